using Coworking.Hub.Auth;
using Coworking.Hub.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Memberships;

public sealed record JoinRequest(Guid? TierId, AcquisitionChannel? Channel);

public sealed record PauseRequest(DateTimeOffset? Until = null);

public sealed record ChangeTierRequest(Guid? TierId, TierChangeTiming? Effective = null);

/// <summary>
/// A member's membership and its lifecycle. Suspension and reinstatement stay on the member
/// (<c>/members/{id}/suspend</c>, <c>/reinstate</c>), since billing drives them for any member.
/// </summary>
public static class MembershipsApi
{
    public static IEndpointRouteBuilder MapMembershipsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/members/{id:guid}/membership").WithTags("Memberships");
        api.MapGet("/", GetMembership);
        api.MapPost("/", Join);
        api.MapPost("/pause", Pause);
        api.MapPost("/resume", Resume);
        api.MapPost("/tier", ChangeTier);
        api.MapPost("/cancel", Cancel);
        return routes;
    }

    internal static async Task<Results<Ok<MembershipResponse>, NotFound>> GetMembership(Guid id, Caller caller, MembershipStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(caller, id, cancellationToken) is { } membership ? TypedResults.Ok(membership) : TypedResults.NotFound();

    internal static async Task<Results<Created<MembershipResponse>, ValidationProblem, ProblemHttpResult, NotFound>> Join(
        Guid id, JoinRequest request, Caller caller, MembershipStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.TierId is null)
        {
            errors.Add("tierId", "is required");
        }

        if (request.Channel is null)
        {
            errors.Add("channel", "is required: website, referral, partner or walk_in");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var result = await store.JoinAsync(caller, id, request.TierId!.Value, request.Channel!.Value, cancellationToken);
        return result.Outcome == MembershipWrite.Done
            ? TypedResults.Created($"/api/v1/members/{id}/membership", result.Membership)
            : Answer(result).Result switch { ProblemHttpResult problem => problem, _ => TypedResults.NotFound() };
    }

    internal static async Task<Results<Ok<MembershipResponse>, ValidationProblem, ProblemHttpResult, NotFound>> Pause(
        Guid id, PauseRequest? request, Caller caller, MembershipStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (request?.Until is { } until && until <= time.GetUtcNow())
        {
            var errors = new ValidationErrors();
            errors.Add("until", "must be in the future");
            return errors.ToProblem();
        }

        return Answer(await store.PauseAsync(caller, id, request?.Until?.ToUniversalTime(), cancellationToken));
    }

    internal static async Task<Results<Ok<MembershipResponse>, ValidationProblem, ProblemHttpResult, NotFound>> Resume(
        Guid id, Caller caller, MembershipStore store, CancellationToken cancellationToken) =>
        Answer(await store.ResumeAsync(caller, id, cancellationToken));

    internal static async Task<Results<Ok<MembershipResponse>, ValidationProblem, ProblemHttpResult, NotFound>> ChangeTier(
        Guid id, ChangeTierRequest request, Caller caller, MembershipStore store, CancellationToken cancellationToken)
    {
        if (request.TierId is null)
        {
            var errors = new ValidationErrors();
            errors.Add("tierId", "is required");
            return errors.ToProblem();
        }

        return Answer(await store.ChangeTierAsync(caller, id, request.TierId.Value, request.Effective ?? TierChangeTiming.Now, cancellationToken));
    }

    internal static async Task<Results<Ok<MembershipResponse>, ValidationProblem, ProblemHttpResult, NotFound>> Cancel(
        Guid id, Caller caller, MembershipStore store, CancellationToken cancellationToken) =>
        Answer(await store.CancelAsync(caller, id, cancellationToken));

    private static Results<Ok<MembershipResponse>, ValidationProblem, ProblemHttpResult, NotFound> Answer(MembershipWriteResult result) =>
        result.Outcome switch
        {
            MembershipWrite.Done => TypedResults.Ok(result.Membership!),
            MembershipWrite.NoMembership => Problems.Conflict("membership", "the member has no membership; join one first"),
            MembershipWrite.AlreadyMember => Problems.Conflict("membership", "the member already has a membership; change its tier instead"),
            MembershipWrite.NoHomeLocation => Problems.UnknownReference("homeLocationId", "the member needs a home location to hold a membership"),
            MembershipWrite.UnknownTier => Problems.UnknownReference("tierId", "is not a tier of this organisation"),
            MembershipWrite.SameTier => Problems.Conflict("tierId", "is already the member's tier"),
            MembershipWrite.WrongStatus => Problems.Conflict("status", "the member's status does not allow this"),
            MembershipWrite.AlreadyCancelling => Problems.Conflict("cancelAt", "the membership is already being cancelled"),
            _ => TypedResults.NotFound(),
        };
}
