using System.Text.Json.Nodes;
using Coworking.Hub.Auth;

namespace Coworking.Hub.Audit;

/// <summary>
/// The audit rows of signing in and out and of an account's security (ARCHITECTURE §9): sign-ins by password, link or
/// passkey, failed and locked-out attempts on a known operator, logout, sessions revoked, password changed or reset,
/// second factor enrolled or turned off. The action is the route, like an API write's; the object is the account
/// (operators or members). An attempt by someone not signed in names no actor id: only the account it tried.
/// </summary>
internal sealed class AuthAudit(AuditStore store)
{
    public Task RecordAsync(HttpContext http, Guid organisationId, Actor actor, Actor account, JsonObject changes, CancellationToken cancellationToken)
    {
        var pattern = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value ?? string.Empty;
        return store.RecordAsync(
            new NewAuditEvent(
                organisationId, actor, $"{http.Request.Method} {pattern}", account.Kind == ActorKind.Member ? "members" : "operators", account.Id, changes,
                http.Connection.RemoteIpAddress?.ToString()),
            cancellationToken);
    }

    /// <summary>The signed-in caller did something to their own account.</summary>
    public Task RecordAsync(HttpContext http, Caller caller, string outcome, CancellationToken cancellationToken, JsonObject? more = null)
    {
        var changes = more ?? [];
        changes["outcome"] = outcome;
        return RecordAsync(http, caller.OrganisationId, caller.Actor, caller.Actor, changes, cancellationToken);
    }

    /// <summary>A failed or locked-out attempt on each operator account the e-mail address names, by someone not signed in.</summary>
    public async Task AttemptedAsync(HttpContext http, IReadOnlyList<LoginAccount> accounts, string outcome, CancellationToken cancellationToken)
    {
        foreach (var account in accounts)
        {
            var target = new Actor(ActorKind.Operator, account.OperatorId);
            await RecordAsync(http, account.OrganisationId, new Actor(ActorKind.Operator, null), target, new JsonObject { ["outcome"] = outcome }, cancellationToken);
        }
    }
}
