using Coworking.Hub.Auth;
using Coworking.Hub.Http;
using Coworking.Hub.Locations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Coworking.Hub.EdgeSync;

/// <param name="Name">A name for the edge box, e.g. "Canal Street basement"; the edge may give its own at enrolment.</param>
/// <param name="ExpiresInMinutes">How long the code is valid: 1 minute to 7 days; EdgeSync:EnrolmentCodeLifetime when absent.</param>
public sealed record CreateEnrolmentCodeRequest(string? Name = null, int? ExpiresInMinutes = null);

/// <summary>
/// Edges of a location: one-time enrolment codes for installers, the edges' sync state for operators, and
/// revocation. A location manager sees and manages only the edges of its locations.
/// </summary>
public static class EdgesApi
{
    private const int MaxLifetimeMinutes = 7 * 24 * 60;

    public static IEndpointRouteBuilder MapEdgesApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/locations/{id:guid}/edges/enrolment-codes", CreateEnrolmentCode).WithTags("Edges");
        routes.MapGet("/locations/{id:guid}/edges/enrolment-codes", ListEnrolmentCodes).WithTags("Edges");
        routes.MapGet("/edges/enrolment-codes/{codeId:guid}", GetEnrolmentCode).WithTags("Edges");
        routes.MapDelete("/edges/enrolment-codes/{codeId:guid}", RevokeEnrolmentCode).WithTags("Edges");
        routes.MapGet("/edges", ListEdges).WithTags("Edges");
        routes.MapGet("/edges/{edgeId:guid}", GetEdge).WithTags("Edges");
        routes.MapDelete("/edges/{edgeId:guid}", RevokeEdge).WithTags("Edges");
        return routes;
    }

    /// <summary>The answer holds the code; it is not stored and cannot be shown again.</summary>
    internal static async Task<Results<Created<CreatedEnrolmentCode>, ValidationProblem, ProblemHttpResult, NotFound>> CreateEnrolmentCode(
        Guid id, CreateEnrolmentCodeRequest request, Caller caller, LocationStore locations, EdgeStore edges, HubCertificateAuthority authority,
        IOptions<EdgeSyncOptions> options, CancellationToken cancellationToken)
    {
        if (!caller.Covers(id) || await locations.GetAsync(caller.OrganisationId, id, cancellationToken) is not { } location)
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        if (request.Name is not null)
        {
            errors.Required("name", request.Name);
        }

        if (request.ExpiresInMinutes is < 1 or > MaxLifetimeMinutes)
        {
            errors.Add("expiresInMinutes", $"must be between 1 and {MaxLifetimeMinutes}");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (authority.Pin is not { } pin)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Edges cannot enrol yet.",
                detail: "The hub has no edge certificate authority: set EdgeSync:AuthorityCertificatePath (docs/SYNC.md).");
        }

        var lifetime = request.ExpiresInMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : options.Value.EnrolmentCodeLifetime;
        var created = await edges.CreateEnrolmentCodeAsync(
            caller.OrganisationId, id, request.Name?.Trim() ?? $"{location.Name} edge", lifetime, pin, cancellationToken);
        return TypedResults.Created($"/api/v1/edges/enrolment-codes/{created.EnrolmentCode.Id}", created);
    }

    internal static async Task<Results<Ok<Page<EnrolmentCodeResponse>>, NotFound>> ListEnrolmentCodes(
        Guid id, Caller caller, LocationStore locations, EdgeStore edges, CancellationToken cancellationToken) =>
        caller.Covers(id) && await locations.GetAsync(caller.OrganisationId, id, cancellationToken) is not null
            ? TypedResults.Ok(new Page<EnrolmentCodeResponse>(await edges.ListEnrolmentCodesAsync(id, cancellationToken), null))
            : TypedResults.NotFound();

    internal static async Task<Results<Ok<EnrolmentCodeResponse>, NotFound>> GetEnrolmentCode(Guid codeId, Caller caller, EdgeStore edges, CancellationToken cancellationToken) =>
        await edges.GetEnrolmentCodeAsync(caller.OrganisationId, caller.Scope, codeId, cancellationToken) is { } code
            ? TypedResults.Ok(code)
            : TypedResults.NotFound();

    internal static async Task<Results<NoContent, NotFound>> RevokeEnrolmentCode(Guid codeId, Caller caller, EdgeStore edges, CancellationToken cancellationToken) =>
        await edges.RevokeEnrolmentCodeAsync(caller.OrganisationId, caller.Scope, codeId, cancellationToken) is null
            ? TypedResults.NotFound()
            : TypedResults.NoContent();

    internal static async Task<Ok<Page<EdgeResponse>>> ListEdges(Guid? locationId, Caller caller, EdgeStore edges, CancellationToken cancellationToken) =>
        TypedResults.Ok(new Page<EdgeResponse>(await edges.ListAsync(caller.OrganisationId, caller.Scope, locationId, null, cancellationToken), null));

    internal static async Task<Results<Ok<EdgeResponse>, NotFound>> GetEdge(Guid edgeId, Caller caller, EdgeStore edges, CancellationToken cancellationToken) =>
        (await edges.ListAsync(caller.OrganisationId, caller.Scope, null, edgeId, cancellationToken)).SingleOrDefault() is { } edge
            ? TypedResults.Ok(edge)
            : TypedResults.NotFound();

    /// <summary>The edge's credential is refused from now on, and its open stream on any hub instance ends.</summary>
    internal static async Task<Results<NoContent, NotFound>> RevokeEdge(Guid edgeId, Caller caller, EdgeStore edges, CancellationToken cancellationToken) =>
        await edges.RevokeAsync(caller.OrganisationId, caller.Scope, edgeId, cancellationToken) is null
            ? TypedResults.NotFound()
            : TypedResults.NoContent();
}
