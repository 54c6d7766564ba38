using System.Text.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Audit;
using Coworking.Hub.Auth;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Coworking.Hub.Web.Console;

/// <summary>What an in-place write's row held before it: read by <see cref="ConsoleAudit.BeforeAsync"/>, diffed at record time.</summary>
internal sealed record AuditBefore(AuditTarget Target, JsonObject? Row);

/// <summary>
/// The audit trail of a console or portal write: the API's writes are recorded by its filter (<see cref="AuditTrail"/>),
/// the pages' forms call the same services directly, so they record the same action (the API route it equals) here,
/// with the same before and after values: a create's new row, and for a write that changes a row in place the columns
/// it changed, from <see cref="BeforeAsync"/> (read before the write) and a read after it.
/// </summary>
internal sealed class ConsoleAudit(AuditStore store, AuditSnapshots snapshots, IHttpContextAccessor http, IOptions<JsonOptions> json)
{
    /// <summary>
    /// Reads the row that <paramref name="action"/> changes in place (the route's <c>{id}</c>, else its last id) before the
    /// write, for <see cref="RecordAsync"/> to say which columns changed. Null when the route names no audited row.
    /// </summary>
    public async Task<AuditBefore?> BeforeAsync(Caller caller, string action, Guid objectId, CancellationToken cancellationToken)
    {
        if (TargetOf(caller, action, objectId) is not { } target)
        {
            return null;
        }

        return new AuditBefore(target, await snapshots.ReadAsync(target.Table, target.Id, cancellationToken));
    }

    /// <param name="action">The API route the write equals, e.g. "POST /api/v1/locations/{id:guid}/lockdowns".</param>
    public async Task RecordAsync(
        Caller caller, string action, Guid? objectId, JsonObject changes, CancellationToken cancellationToken, AuditBefore? before = null)
    {
        var pattern = Pattern(action);
        var objectKind = AuditTrail.ObjectKind(pattern);
        var diff = AuditDiff.None;
        if (before is not null)
        {
            (objectKind, objectId) = (before.Target.Kind, before.Target.Id);
            diff = AuditSnapshots.Diff(before.Row, await snapshots.ReadAsync(before.Target.Table, before.Target.Id, cancellationToken));
        }
        else if (objectId is { } created && action.StartsWith("POST ", StringComparison.Ordinal) && AuditSnapshots.Created(pattern) is var (kind, table))
        {
            objectKind = kind;
            diff = AuditSnapshots.Diff(null, await snapshots.ReadAsync(table, created, cancellationToken));
        }

        await store.RecordAsync(
            new NewAuditEvent(caller.OrganisationId, caller.Actor, action, objectKind, objectId, changes, http.HttpContext?.Connection.RemoteIpAddress?.ToString())
            {
                Before = diff.Before,
                After = diff.After,
            },
            cancellationToken);
    }

    /// <summary>
    /// Records <paramref name="request"/> as the API's filter would: the fields it sets, as JSON, with every secret
    /// (a card number, a PIN) replaced by the redaction mark.
    /// </summary>
    public Task RecordRequestAsync(Caller caller, string action, Guid? objectId, object request, CancellationToken cancellationToken, AuditBefore? before = null)
    {
        var changes = new JsonObject();
        if (JsonSerializer.SerializeToNode(request, request.GetType(), json.Value.SerializerOptions) is JsonObject fields)
        {
            foreach (var (name, value) in fields)
            {
                if (value is not null)
                {
                    changes[name] = AuditTrail.Redact(name, value);
                }
            }
        }

        return RecordAsync(caller, action, objectId, changes, cancellationToken, before);
    }

    /// <summary>The route part of "METHOD /route".</summary>
    private static string Pattern(string action) => action[(action.IndexOf(' ', StringComparison.Ordinal) + 1)..];

    /// <summary>The audited row <paramref name="action"/> changes: the one its <c>{id}</c> names, else its last parameter's.</summary>
    internal static AuditTarget? TargetOf(Caller caller, string action, Guid objectId)
    {
        var pattern = Pattern(action);
        var parameters = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Where(segment => segment.StartsWith('{'))
            .Select(segment => segment.Trim('{', '}').Split(':', '=', '?')[0])
            .ToList();
        var name = parameters.Contains("id") ? "id" : parameters.LastOrDefault();
        var values = name is null ? new RouteValueDictionary() : new RouteValueDictionary { [name] = objectId.ToString() };
        return AuditSnapshots.Target(pattern, values, caller);
    }
}
