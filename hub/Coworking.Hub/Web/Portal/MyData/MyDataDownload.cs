using Coworking.Hub.Auth;
using Coworking.Hub.Privacy;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Web.Portal.MyData;

/// <summary>The "My data" page's download: everything the hub holds about the signed-in member, as a zip of JSON and CSV.</summary>
internal static class MyDataDownload
{
    public static void MapMyDataDownload(this IEndpointRouteBuilder web) =>
        web.MapGet("/portal/my-data/export.zip", DownloadAsync).RequireAuthorization(WebSetup.PortalPolicy).ExcludeFromDescription();

    private static async Task<Results<FileContentHttpResult, NotFound>> DownloadAsync(
        HttpContext http, MemberDataExport export, TimeProvider time, Audit.AuthAudit audit, CancellationToken cancellationToken)
    {
        var caller = http.Features.Get<Caller>()!;
        var now = time.GetUtcNow();
        if (await export.ZipAsync(caller.OrganisationId, caller.MemberId!.Value, now, cancellationToken) is not { } zip)
        {
            return TypedResults.NotFound();
        }

        await audit.RecordAsync(http, caller, "member_data_exported", cancellationToken);
        return TypedResults.File(zip, "application/zip", $"my-data-{now:yyyy-MM-dd}.zip");
    }
}
