using Coworking.Hub.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Web;

/// <summary>The layouts' sign-out buttons: end this browser's session (the row and the cookie) and go to the sign-in page.</summary>
internal static class SignOut
{
    public static void MapSignOut(this IEndpointRouteBuilder web)
    {
        web.MapPost("/console/logout", (HttpContext http, SessionStore sessions, Audit.AuthAudit audit, CancellationToken cancellationToken) =>
            EndAsync(http, sessions, audit, WebPageAuthenticationHandler.ConsoleLoginPath, cancellationToken)).RequireAuthorization(WebSetup.ConsolePolicy).ExcludeFromDescription();
        web.MapPost("/portal/sign-out", (HttpContext http, SessionStore sessions, Audit.AuthAudit audit, CancellationToken cancellationToken) =>
            EndAsync(http, sessions, audit, WebPageAuthenticationHandler.PortalSignInPath, cancellationToken)).RequireAuthorization(WebSetup.PortalPolicy).ExcludeFromDescription();
    }

    private static async Task<RedirectHttpResult> EndAsync(HttpContext http, SessionStore sessions, Audit.AuthAudit audit, string next, CancellationToken cancellationToken)
    {
        if (http.Features.Get<SessionCaller>() is { } session)
        {
            await sessions.RevokeAsync(session.Caller.Actor, session.SessionId, cancellationToken);
            await audit.RecordAsync(http, session.Caller, "signed_out", cancellationToken, new System.Text.Json.Nodes.JsonObject { ["sessionId"] = session.SessionId.ToString() });
        }

        SessionCookie.Clear(http);
        return TypedResults.Redirect(next);
    }
}
