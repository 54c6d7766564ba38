using Coworking.Hub.Web.Console;

namespace Coworking.Hub.Web;

/// <summary>
/// The console, portal and panels (ARCHITECTURE §10): Razor components rendered on the server (static SSR, no
/// interactive render modes, so any hub instance answers any request), assets from wwwroot (npm packages copied
/// there by the build), forms that post and redirect with an antiforgery token. docs/WEB.md says how it fits.
/// </summary>
public static class WebSetup
{
    /// <summary>Console pages and posts: a signed-in operator.</summary>
    public const string ConsolePolicy = "console";

    public static WebApplicationBuilder AddWeb(this WebApplicationBuilder builder)
    {
        // Serves wwwroot from the project (and the npm files the build copied) when the hub runs from its build output,
        // in any environment: ./run.sh and the tests start bin/…/coworking-hub.dll. A published hub has no such
        // manifest and serves its own wwwroot.
        builder.WebHost.UseStaticWebAssets();
        builder.Services.AddRazorComponents();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<ConsoleContexts>();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ConsolePolicy, policy => policy.RequireAuthenticatedUser());
        return builder;
    }

    /// <summary>Maps the pages and their posts; call after authentication and authorization are in the pipeline.</summary>
    public static WebApplication MapWeb(this WebApplication app)
    {
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapGet("/", () => TypedResults.Redirect("/portal")).ExcludeFromDescription();
        app.MapLocationSwitch();
        app.MapRazorComponents<App>();
        return app;
    }

    /// <summary>A path on this hub ("/console/members?page=2"), never another host ("//evil", "/\evil", "https://…").</summary>
    public static bool IsLocalPath(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Contains('\n') && !url.Contains('\r');

    /// <summary>The console's own small cookies (a preference, never a secret): HttpOnly, SameSite=Lax, Secure behind TLS.</summary>
    public static CookieOptions CookieOptions(HttpContext http) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Lax,
        Secure = http.Request.IsHttps,
        Path = "/console",
        IsEssential = true,
    };
}
