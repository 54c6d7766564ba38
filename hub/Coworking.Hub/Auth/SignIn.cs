using Microsoft.AspNetCore.Antiforgery;

namespace Coworking.Hub.Auth;

/// <summary>What a client gets on signing in: who it is now and the antiforgery token its cookie writes must carry.</summary>
public sealed record SignedInResponse(ActorKind ActorKind, Guid ActorId, Guid OrganisationId, Role Role, IReadOnlyList<Guid> LocationIds, string AntiforgeryToken);

/// <summary>
/// Signs a browser in as an operator or a member: a session row, its cookie, and the request's caller switched to it
/// (so an antiforgery token made now is the session's). Anything that has proved who the person is — a password, an
/// e-mailed link, a passkey — ends here, and leaves its audit row.
/// </summary>
internal sealed class SignIn(SessionStore sessions, IAntiforgery antiforgery, Audit.AuthAudit audit)
{
    /// <summary>Signs the browser in as <paramref name="memberId"/>, a member of <paramref name="organisationId"/> the caller has verified.</summary>
    public Task<SignedInResponse> MemberAsync(HttpContext context, Guid organisationId, Guid memberId, CancellationToken cancellationToken) =>
        SignInAsync(context, new Caller(organisationId, new Actor(ActorKind.Member, memberId), Role.Member, new HashSet<Guid>()), cancellationToken);

    public async Task<SignedInResponse> SignInAsync(HttpContext context, Caller caller, CancellationToken cancellationToken)
    {
        var issued = await sessions.IssueAsync(
            caller.OrganisationId, caller.Actor, context.Connection.RemoteIpAddress?.ToString(), context.Request.Headers.UserAgent.ToString(), cancellationToken);
        SessionCookie.Set(context, issued);
        context.Features.Set(caller);
        context.Features.Set(new SessionCaller(issued.Id, caller));
        context.User = HubAuthentication.Principal(caller, SessionAuthenticationHandler.SchemeName, issued.Id);
        await audit.RecordAsync(context, caller, "signed_in", cancellationToken, new System.Text.Json.Nodes.JsonObject { ["sessionId"] = issued.Id.ToString() });
        var tokens = antiforgery.GetAndStoreTokens(context);
        return new SignedInResponse(
            caller.Actor.Kind, caller.Actor.Id!.Value, caller.OrganisationId, caller.Role, [.. caller.LocationIds], tokens.RequestToken!);
    }
}
