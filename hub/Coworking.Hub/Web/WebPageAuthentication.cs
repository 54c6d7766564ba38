using System.Text.Encodings.Web;
using Coworking.Hub.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Coworking.Hub.Web;

/// <summary>
/// How pages authenticate: exactly as the API does (the hub's scheme: a session cookie, the same <see cref="Caller"/>),
/// but a person who is not signed in is sent to the sign-in page of the console or the portal, with the way back,
/// instead of getting a bare 401.
/// </summary>
internal sealed class WebPageAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "WebPage";

    public const string ConsoleLoginPath = "/console/login";

    public const string PortalSignInPath = "/portal/sign-in";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Context.AuthenticateAsync(HubAuthentication.SchemeName);

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var here = Request.PathBase + Request.Path + Request.QueryString;
        if (!Request.Path.StartsWithSegments("/portal", StringComparison.OrdinalIgnoreCase))
        {
            Response.Redirect($"{ConsoleLoginPath}?returnUrl={Uri.EscapeDataString(here)}");
        }
        else if (Request.Path.Value?.TrimEnd('/') is "/portal")
        {
            // The portal's front door: what the sign-in endpoints tell it (?link=sent) is meant for the sign-in page.
            Response.Redirect(PortalSignInPath + Request.QueryString);
        }
        else
        {
            Response.Redirect($"{PortalSignInPath}?returnUrl={Uri.EscapeDataString(here)}");
        }

        return Task.CompletedTask;
    }
}
