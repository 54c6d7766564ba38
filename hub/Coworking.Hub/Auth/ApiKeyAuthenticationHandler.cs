using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Coworking.Hub.Auth;

/// <summary>
/// <c>Authorization: Bearer cwk_…</c>: finds the key by its prefix, checks the secret's hash and sets the
/// <see cref="Caller"/> for the handlers. A missing, malformed, wrong or revoked key is a 401.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header is null)
        {
            return AuthenticateResult.NoResult();
        }

        const string bearer = "Bearer ";
        if (!header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) || !ApiKeySecret.TryParse(header[bearer.Length..].Trim(), out var presented))
        {
            return AuthenticateResult.Fail("malformed API key");
        }

        using var lookup = Database.TenantScope.System("authentication: a key's organisation is known once its row is found");
        var caller = await keys.AuthenticateAsync(presented, Context.RequestAborted);
        if (caller is null)
        {
            return AuthenticateResult.Fail("unknown or revoked API key");
        }

        Context.Features.Set(caller);
        return AuthenticateResult.Success(new AuthenticationTicket(HubAuthentication.Principal(caller, SchemeName, null), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        return Task.CompletedTask;
    }
}
