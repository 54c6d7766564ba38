using Coworking.Hub.Auth;
using Coworking.Hub.Billing;
using Coworking.Hub.Database;
using Coworking.Hub.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Audit;

/// <summary>The audit trail for organisation admins: who changed what, filtered and paged, or as CSV.</summary>
public static class AuditApi
{
    private const int ExportLimit = 50_000;

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/audit-events").WithTags("Audit");
        api.MapGet("/", ListAuditEvents);
        api.MapGet("/export.csv", ExportAuditEvents);
        return routes;
    }

    internal static async Task<Results<Ok<Page<AuditEventResponse>>, ValidationProblem, ProblemHttpResult>> ListAuditEvents(
        Caller caller, AuditStore store, string? actorKind, Guid? actorId, string? objectKind, Guid? objectId, string? action,
        DateTimeOffset? from, DateTimeOffset? to, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        if (!caller.IsOrgAdmin)
        {
            return Problems.Forbidden("only an organisation admin reads the audit trail");
        }

        var errors = new ValidationErrors();
        var (take, after) = PageCursor.Read(limit, cursor, errors);
        var filter = Filter(actorKind, actorId, objectKind, objectId, action, from, to, errors);
        return errors.Any ? errors.ToProblem() : TypedResults.Ok(await store.ListAsync(caller.OrganisationId, filter, take, after, cancellationToken));
    }

    internal static async Task<Results<FileContentHttpResult, ValidationProblem, ProblemHttpResult>> ExportAuditEvents(
        Caller caller, AuditStore store, string? actorKind, Guid? actorId, string? objectKind, Guid? objectId, string? action,
        DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
    {
        if (!caller.IsOrgAdmin)
        {
            return Problems.Forbidden("only an organisation admin reads the audit trail");
        }

        var errors = new ValidationErrors();
        var filter = Filter(actorKind, actorId, objectKind, objectId, action, from, to, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var events = await store.ListAsync(caller.OrganisationId, filter, ExportLimit, null, cancellationToken);
        return InvoicesApi.Csv(
            "audit-events.csv",
            ["occurred_at", "actor_kind", "actor_id", "action", "object_kind", "object_id", "changes", "before", "after", "client_address"],
            events.Items.Select(e => new object?[] { e.OccurredAt, e.ActorKind.ToDb(), e.ActorId, e.Action, e.ObjectKind, e.ObjectId, e.Changes.ToJsonString(), e.Before?.ToJsonString(), e.After?.ToJsonString(), e.ClientAddress }));
    }

    private static AuditFilter Filter(
        string? actorKind, Guid? actorId, string? objectKind, Guid? objectId, string? action, DateTimeOffset? from, DateTimeOffset? to, ValidationErrors errors)
    {
        ActorKind? kind = null;
        if (actorKind is not null)
        {
            if (DbText.TryParse<ActorKind>(actorKind, out var parsed))
            {
                kind = parsed;
            }
            else
            {
                errors.Add("actorKind", "must be api_key, operator, member, edge or system");
            }
        }

        if (from is not null && to is not null && to <= from)
        {
            errors.Add("to", "must be after from");
        }

        return new AuditFilter(kind, actorId, objectKind, objectId, action, from?.ToUniversalTime(), to?.ToUniversalTime());
    }
}
