using System.Text.Json.Nodes;
using Coworking.Hub.Audit;
using Coworking.Hub.Auth;

namespace Coworking.Hub.Web.Console;

/// <summary>
/// The audit trail of a console write: the API's writes are recorded by its filter (<see cref="AuditTrail"/>), the
/// console's forms call the same services directly, so they record the same action (the API route it equals) here.
/// </summary>
internal sealed class ConsoleAudit(AuditStore store, IHttpContextAccessor http)
{
    /// <param name="action">The API route the write equals, e.g. "POST /api/v1/locations/{id:guid}/lockdowns".</param>
    public Task RecordAsync(Caller caller, string action, Guid? objectId, JsonObject changes, CancellationToken cancellationToken) =>
        store.RecordAsync(
            new NewAuditEvent(
                caller.OrganisationId, caller.Actor, action, AuditTrail.ObjectKind(action[(action.IndexOf(' ', StringComparison.Ordinal) + 1)..]), objectId, changes,
                http.HttpContext?.Connection.RemoteIpAddress?.ToString()),
            cancellationToken);
}
