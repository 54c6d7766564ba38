using Coworking.Hub.Auth;
using Coworking.Hub.Doors;
using Coworking.Hub.Web.Console;
using Coworking.Hub.Web.Console.AccessLog;
using Coworking.Hub.Web.Console.Live;
using Coworking.Hub.Web.Portal.Book;
using Coworking.Hub.Web.Portal.MyData;
using Coworking.Hub.Web.Portal.Payments;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Configuration.Memory;

namespace Coworking.Hub.Web;

/// <summary>
/// The console, portal and panels (ARCHITECTURE §10): Razor components rendered on the server (static SSR, no
/// interactive render modes, so any hub instance answers any request), assets from wwwroot (npm packages copied
/// there by the build), forms that post and redirect with an antiforgery token. docs/WEB.md says how it fits.
/// </summary>
public static class WebSetup
{
    /// <summary>Console pages and posts: a signed-in operator (not signed in: sent to the login page).</summary>
    public const string ConsolePolicy = "console";

    /// <summary>Portal pages: a signed-in member (not signed in: sent to the sign-in page).</summary>
    public const string PortalPolicy = "portal";

    public static WebApplicationBuilder AddWeb(this WebApplicationBuilder builder)
    {
        // Serves wwwroot from the project (and the npm files the build copied) when the hub runs from its build output,
        // in any environment: ./run.sh and the tests start bin/…/coworking-hub.dll. A published hub has no such
        // manifest and serves its own wwwroot.
        // The assets' manifests are named for the hub's assembly; a test host running the hub in-process would otherwise
        // look for its own (testhost.staticwebassets.endpoints.json) and fail to start.
        builder.Environment.ApplicationName = typeof(WebSetup).Assembly.GetName().Name!;
        builder.WebHost.UseStaticWebAssets();
        // Where the sign-in endpoints send a form back to (SessionsApi): these pages. Lowest priority, so a setting wins.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Auth:LoginPath"] = WebPageAuthenticationHandler.ConsoleLoginPath,
                ["Auth:ConsolePath"] = "/console",
                ["Auth:PortalPath"] = "/portal",
            },
        });
        builder.Services.AddRazorComponents();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<Portal.Plan.MemberPlanQuery>();
        builder.Services.AddSingleton<Portal.Bookings.MemberBookingsQuery>();
        builder.Services.AddScoped<ConsoleContexts>();
        builder.Services.AddScoped<ConsoleAudit>();
        builder.Services.AddSingleton<DoorAlarmStore>();
        builder.Services.AddScoped<AccessLogReader>();
        builder.Services.AddSingleton<Console.Billing.InvoiceSearch>();
        builder.Services.AddSingleton<LiveSignals>();
        builder.Services.AddSingleton<Database.INotificationListener>(services => services.GetRequiredService<LiveSignals>());
        builder.Services.AddSingleton<Portal.Book.BookingSignals>();
        builder.Services.AddSingleton<Database.INotificationListener>(services => services.GetRequiredService<Portal.Book.BookingSignals>());
        builder.Services.AddSingleton<Portal.Book.MemberAvailability>();
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, WebPageAuthenticationHandler>(WebPageAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ConsolePolicy, policy => policy
                .AddAuthenticationSchemes(WebPageAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser()
                .RequireAssertion(c => (c.Resource as HttpContext)?.Features.Get<Caller>()?.Actor.Kind == ActorKind.Operator))
            .AddPolicy(PortalPolicy, policy => policy
                .AddAuthenticationSchemes(WebPageAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser()
                .RequireAssertion(c => (c.Resource as HttpContext)?.Features.Get<Caller>()?.MemberId is not null));
        return builder;
    }

    /// <summary>Maps the pages and their posts; call after authentication and authorization are in the pipeline.</summary>
    public static WebApplication MapWeb(this WebApplication app)
    {
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapGet("/", () => TypedResults.Redirect("/portal")).ExcludeFromDescription();
        app.MapLocationSwitch();
        app.MapSignOut();
        app.MapPortalInvoicePdf();
        app.MapMyDataDownload();
        app.MapAccessLogExport();
        app.MapLiveEvents();
        app.MapAvailabilityEvents();
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
