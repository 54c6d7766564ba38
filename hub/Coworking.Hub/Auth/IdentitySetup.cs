using System.Threading.RateLimiting;
using Coworking.Hub.Calendar;
using Coworking.Hub.Http;
using Coworking.Hub.Mail;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Coworking.Hub.Auth;

/// <summary>Wires who may call: API keys and sessions, sign-in, antiforgery, rate limits and the browser-safety headers.</summary>
internal static class IdentitySetup
{
    /// <summary>
    /// The one Data Protection key ring (session-bound secrets, TOTP secrets, organisations' Stripe keys). With
    /// DataProtection:KeyDirectory set it lives in that directory, outside the database, which every hub instance must
    /// share (a volume or a Kubernetes secret): a copy of the database alone then reveals none of what it protects. Unset,
    /// it lives in PostgreSQL (data_protection_keys), shared by every instance but in the same dump as what it guards
    /// (docs/SECURITY.md); the hub says so at start.
    /// </summary>
    private static void AddKeyRing(this IServiceCollection services, IConfiguration configuration)
    {
        var keys = services.AddDataProtection().SetApplicationName("coworking-hub");
        if (configuration["DataProtection:KeyDirectory"] is { Length: > 0 } directory)
        {
            keys.PersistKeysToFileSystem(Directory.CreateDirectory(directory));
            return;
        }

        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(s =>
        {
            s.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(IdentitySetup)).LogWarning(
                "DataProtection:KeyDirectory is not set: the key ring lives in the database beside the secrets it protects (docs/SECURITY.md)");
            return new ConfigureOptions<KeyManagementOptions>(options => options.XmlRepository = new DatabaseKeyRepository(s.GetRequiredService<NpgsqlDataSource>()));
        });
    }

    public static IServiceCollection AddIdentity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(SessionOptions.Read(configuration));
        services.AddSingleton<SessionStore>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<OneTimeTokens>();
        services.AddSingleton<SecondFactor>();
        services.AddSingleton<OperatorLogin>();
        services.AddSingleton<SignIn>();
        services.AddSingleton<EmailedLinks>();
        services.AddSingleton<Audit.AuditStore>();
        services.AddSingleton<Audit.AuditSnapshots>();
        services.AddSingleton<Audit.AuthAudit>();
        services.AddSingleton<Audit.AuditTrail>();
        services.AddSingleton<IMailComposer>(s => s.GetRequiredService<EmailedLinks>());
        services.AddKeyRing(configuration);
        services.AddCookieAntiforgery();
        services.AddHubAuthentication();
        // X-Forwarded-For and -Proto are believed only from the default known proxies (loopback): a reverse proxy on the box.
        services.Configure<ForwardedHeadersOptions>(forwarded => forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto);
        services.AddRateLimiter(limits =>
        {
            limits.AddPolicy(SessionsApi.LoginLimit, context => PerClient(context, 30));
            limits.AddPolicy(SessionsApi.LinkLimit, context => PerClient(context, 10));
            limits.AddPolicy(CalendarFeed.FeedLimit, context => PerClient(context, 60));
            limits.OnRejected = async (rejected, cancellationToken) =>
            {
                rejected.HttpContext.Response.Headers.RetryAfter = "60";
                await TypedResults.Problem(
                    statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests", detail: "Too many requests from this address; try again in a minute.")
                    .ExecuteAsync(rejected.HttpContext);
            };
        });
        return services;
    }

    /// <summary>First in the pipeline: the client's real address and scheme behind the proxy, and the security headers on every answer.</summary>
    public static WebApplication UseBrowserSafety(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseSecurityHeaders(app.Configuration);
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        return app;
    }

    /// <summary>Who is calling, whether a cookie write carries its antiforgery token, rate limits, then whether the route allows the caller.</summary>
    public static WebApplication UseCallers(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseTenantScope();
        app.UseCookieAntiforgery();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    private static RateLimitPartition<string> PerClient(HttpContext context, int perMinute) =>
        RateLimitPartition.GetFixedWindowLimiter(
            context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
}
