using System.Text.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Audit;
using Coworking.Hub.Auth;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Coworking.Hub.Web.Console;

/// <summary>
/// The audit trail of a console write: the API's writes are recorded by its filter (<see cref="AuditTrail"/>), the
/// console's forms call the same services directly, so they record the same action (the API route it equals) here.
/// </summary>
internal sealed class ConsoleAudit(AuditStore store, IHttpContextAccessor http, IOptions<JsonOptions> json)
{
    /// <param name="action">The API route the write equals, e.g. "POST /api/v1/locations/{id:guid}/lockdowns".</param>
    public Task RecordAsync(Caller caller, string action, Guid? objectId, JsonObject changes, CancellationToken cancellationToken) =>
        store.RecordAsync(
            new NewAuditEvent(
                caller.OrganisationId, caller.Actor, action, AuditTrail.ObjectKind(action[(action.IndexOf(' ', StringComparison.Ordinal) + 1)..]), objectId, changes,
                http.HttpContext?.Connection.RemoteIpAddress?.ToString()),
            cancellationToken);

    /// <summary>
    /// Records <paramref name="request"/> as the API's filter would: the fields it sets, as JSON, with every secret
    /// (a card number, a PIN) replaced by the redaction mark.
    /// </summary>
    public Task RecordRequestAsync(Caller caller, string action, Guid? objectId, object request, CancellationToken cancellationToken)
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

        return RecordAsync(caller, action, objectId, changes, cancellationToken);
    }
}
