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
        services.AddSingleton<Audit.AuditTrail>();
        services.AddSingleton<IMailComposer>(s => s.GetRequiredService<EmailedLinks>());
        services.AddDataProtection().SetApplicationName("coworking-hub");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(s =>
            new ConfigureOptions<KeyManagementOptions>(keys => keys.XmlRepository = new DatabaseKeyRepository(s.GetRequiredService<NpgsqlDataSource>())));
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
