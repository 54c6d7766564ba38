using Coworking.Hub.Auth;
using Coworking.Hub.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Coworking.Hub.EdgeSync;

/// <summary>Door and reader events reported by the edges (alarms among them), newest first, in pages of at most 500.</summary>
public static class EdgeEventsApi
{
    public static IEndpointRouteBuilder MapEdgeEventsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/edge-events", ListEdgeEvents).WithTags("Edge events");
        return routes;
    }

    internal static async Task<Results<Ok<Page<EdgeEventResponse>>, ValidationProblem>> ListEdgeEvents(
        Caller caller, EdgeEventStore store, Guid? locationId, [FromQuery] string[]? kind, Guid? doorId, Guid? edgeId,
        DateTimeOffset? from, DateTimeOffset? to, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var (take, after) = PageCursor.Read(limit, cursor, errors);
        var kinds = kind ?? [];
        if (kinds.FirstOrDefault(k => !EdgeEventStore.Kinds.Contains(k)) is { } unknown)
        {
            errors.Add("kind", $"'{unknown}' is not one of {string.Join(", ", EdgeEventStore.Kinds)}");
        }

        if (from is not null && to is not null && to <= from)
        {
            errors.Add("to", "must be after from");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var filter = new EdgeEventFilter(locationId, kinds, doorId, edgeId, from?.ToUniversalTime(), to?.ToUniversalTime());
        return TypedResults.Ok(await store.ListAsync(caller.OrganisationId, caller.Scope, filter, take, after, cancellationToken));
    }
}
