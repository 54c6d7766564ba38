using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Coworking.Hub.Auth;

/// <summary>
/// The session cookie (<see cref="SessionCookie.Name"/>): finds the live session row and sets the <see cref="Caller"/>
/// it stands for, an operator or a member. No cookie is no result; a cookie of an ended session is a 401.
/// </summary>
internal sealed class SessionAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    SessionStore sessions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Session";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Cookies.TryGetValue(SessionCookie.Name, out var token) || string.IsNullOrEmpty(token) || token.Length > 100)
        {
            return AuthenticateResult.NoResult();
        }

        using var lookup = Database.TenantScope.System("authentication: a session's organisation is known once its row is found");
        if (await sessions.AuthenticateAsync(token, Context.RequestAborted) is not { } session)
        {
            return AuthenticateResult.Fail("ended or unknown session");
        }

        Context.Features.Set(session.Caller);
        Context.Features.Set(session);
        return AuthenticateResult.Success(new AuthenticationTicket(HubAuthentication.Principal(session.Caller, SchemeName, session.SessionId), SchemeName));
    }

    /// <summary>A 401 names the bearer scheme too: without a session, an API key is the other way in.</summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}

/// <summary>
/// The session cookie: HttpOnly, SameSite=Lax, Secure whenever the request came over TLS (directly or through the
/// proxy). It carries no expiry of its own: the session row decides (idle timeout, absolute lifetime), so a browser's
/// clock cannot keep a session alive or end it early.
/// </summary>
internal static class SessionCookie
{
    public const string Name = "cw_session";

    public static void Set(HttpContext context, IssuedSession session) =>
        context.Response.Cookies.Append(Name, session.Token, Options(context));

    public static void Clear(HttpContext context) => context.Response.Cookies.Delete(Name, Options(context));

    private static CookieOptions Options(HttpContext context) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Lax,
        Secure = context.Request.IsHttps,
        Path = "/",
        IsEssential = true,
    };
}
