using Coworking.Hub.Auth;
using Coworking.Hub.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Privacy;

public sealed record ErasureRequestResponse(Guid MemberId, DateTimeOffset RequestedAt);

/// <summary>
/// A member's data rights for the operator's managers (the member uses the portal's "My data" page): everything the hub
/// holds about them as a zip, a request to be forgotten recorded on their behalf (one that came by letter), and the erasure.
/// </summary>
public static class PrivacyApi
{
    public static IEndpointRouteBuilder MapPrivacyApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/members/{id:guid}").WithTags("Privacy");
        api.MapGet("/data-export", Export);
        api.MapPost("/erasure-request", RequestErasure);
        // The erasure's own audit row names the member, never the values it erased.
        api.MapPost("/erase", Erase).WithMetadata(Audit.AuditWithoutValues.Instance);
        return routes;
    }

    internal static async Task<Results<FileContentHttpResult, NotFound>> Export(
        Guid id, Caller caller, Members.MemberStore members, MemberDataExport export, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await members.GetAsync(caller.OrganisationId, id, cancellationToken) is not { } member || !caller.Covers(member.HomeLocationId))
        {
            return TypedResults.NotFound();
        }

        var now = time.GetUtcNow();
        return await export.ZipAsync(caller.OrganisationId, id, now, cancellationToken) is { } zip
            ? TypedResults.File(zip, "application/zip", $"member-{id}-{now:yyyy-MM-dd}.zip")
            : TypedResults.NotFound();
    }

    internal static async Task<Results<Ok<ErasureRequestResponse>, NotFound>> RequestErasure(
        Guid id, Caller caller, Members.MemberStore members, MemberErasure erasure, CancellationToken cancellationToken)
    {
        if (await members.GetAsync(caller.OrganisationId, id, cancellationToken) is not { } member || !caller.Covers(member.HomeLocationId))
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(new ErasureRequestResponse(id, await erasure.RequestAsync(caller.OrganisationId, id, cancellationToken)));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult, NotFound>> Erase(Guid id, Caller caller, MemberErasure erasure, CancellationToken cancellationToken) =>
        await erasure.EraseAsync(caller, id, cancellationToken) switch
        {
            ErasureWrite.Done => TypedResults.NoContent(),
            ErasureWrite.NotRequested => Problems.Conflict("id", "the member has not asked to be forgotten; record their request first (POST …/erasure-request)"),
            ErasureWrite.AlreadyErased => Problems.Conflict("id", "the member is already erased"),
            _ => TypedResults.NotFound(),
        };
}
