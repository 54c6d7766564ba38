using Coworking.Hub.Auth;
using Coworking.Hub.Locations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Coworking.Hub.Web.Console;

/// <summary>The location switcher's post: remembers the chosen location (one the caller may see) and goes back.</summary>
internal static class LocationSwitch
{
    public static void MapLocationSwitch(this IEndpointRouteBuilder web) =>
        web.MapPost("/console/location", SwitchAsync).RequireAuthorization(WebSetup.ConsolePolicy).ExcludeFromDescription();

    private static async Task<RedirectHttpResult> SwitchAsync(
        HttpContext http, Caller caller, LocationStore locations, [FromForm] string? locationId, [FromForm] string? returnUrl, CancellationToken cancellationToken)
    {
        var back = WebSetup.IsLocalPath(returnUrl) ? returnUrl! : "/console";
        if (Guid.TryParse(locationId, out var id)
            && (await locations.ListAsync(caller.OrganisationId, caller.Scope, cancellationToken)).Any(l => l.Id == id))
        {
            http.Response.Cookies.Append(ConsoleContexts.LocationCookie, id.ToString(), WebSetup.CookieOptions(http));
        }
        else
        {
            http.Response.Cookies.Delete(ConsoleContexts.LocationCookie, WebSetup.CookieOptions(http));
        }

        return TypedResults.Redirect(back);
    }
}
