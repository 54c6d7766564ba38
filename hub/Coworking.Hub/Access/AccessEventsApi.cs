using Coworking.Hub.Auth;
using Coworking.Hub.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Access;

/// <summary>Access decisions reported by the edges, newest first, in pages of at most 500.</summary>
public static class AccessEventsApi
{
    public static IEndpointRouteBuilder MapAccessEventsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/access-events", ListAccessEvents).WithTags("Access events");
        return routes;
    }

    internal static async Task<Results<Ok<Page<AccessEventResponse>>, ValidationProblem>> ListAccessEvents(
        Caller caller, AccessEventStore store, Guid? locationId, Guid? doorId, Guid? memberId, DateTimeOffset? from, DateTimeOffset? to,
        int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var (take, after) = PageCursor.Read(limit, cursor, errors);
        if (from is not null && to is not null && to <= from)
        {
            errors.Add("to", "must be after from");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var filter = new AccessEventFilter(locationId, doorId, memberId, from?.ToUniversalTime(), to?.ToUniversalTime());
        return TypedResults.Ok(await store.ListAsync(caller.OrganisationId, caller.Scope, filter, take, after, cancellationToken));
    }
}
