using Coworking.Edge.Bridges.Brivo;
using Coworking.Edge.Bridges.Kisi;
using Coworking.Edge.Bridges.Salto;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;

namespace Coworking.Edge.Bridges;

public static class BridgeServices
{
    /// <summary>
    /// The vendor bridges (Edge:Bridges): the accounts the hub sends, and Kisi's bridge with its HttpClient — Kisi's rate
    /// gate innermost, under the standard resilience pipeline (retries with jittered backoff honouring Retry-After on 5xx,
    /// 408, 429 and timeouts; an attempt timeout; a circuit breaker).
    /// </summary>
    public static IServiceCollection AddVendorBridges(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(BridgeOptions.Section).Get<BridgeOptions>() ?? new BridgeOptions();
        services.AddSingleton(options.Kisi);
        services.AddSingleton<VendorAccountStore>();
        services.AddSingleton<KisiRateGate>();
        services.AddTransient<KisiRateGateHandler>();
        services.AddHttpClient(KisiBridge.HttpClientName)
            .AddStandardResilienceHandler(resilience =>
            {
                resilience.AttemptTimeout.Timeout = TimeSpan.FromSeconds(Math.Max(1, options.Kisi.AttemptTimeoutSeconds));
                resilience.CircuitBreaker.SamplingDuration = resilience.AttemptTimeout.Timeout * 2;
                resilience.TotalRequestTimeout.Timeout = resilience.AttemptTimeout.Timeout * 4;
                resilience.Retry.UseJitter = true;
            }).Services
            .AddHttpClient(KisiBridge.HttpClientName).AddHttpMessageHandler<KisiRateGateHandler>();
        services.AddSingleton<KisiBridge>();
        services.AddSingleton<IVendorBridge>(sp => sp.GetRequiredService<KisiBridge>());
        services.AddHostedService(sp => sp.GetRequiredService<KisiBridge>());
        services.AddSingleton(options.Brivo);
        services.AddSingleton<BrivoTokens>();
        foreach (var name in new[] { BrivoBridge.HttpClientName, BrivoTokens.HttpClientName })
        {
            services.AddHttpClient(name).AddStandardResilienceHandler(resilience => Resilience(resilience, options.Brivo.AttemptTimeoutSeconds));
        }

        services.AddSingleton<BrivoBridge>();
        services.AddSingleton<IVendorBridge>(sp => sp.GetRequiredService<BrivoBridge>());
        services.AddHostedService(sp => sp.GetRequiredService<BrivoBridge>());
        services.AddSingleton(options.Salto);
        services.AddSingleton<SaltoTokens>();
        foreach (var name in new[] { SaltoBridge.HttpClientName, SaltoTokens.HttpClientName })
        {
            services.AddHttpClient(name).AddStandardResilienceHandler(resilience => Resilience(resilience, options.Salto.AttemptTimeoutSeconds));
        }

        services.AddSingleton<SaltoBridge>();
        services.AddSingleton<IVendorBridge>(sp => sp.GetRequiredService<SaltoBridge>());
        services.AddHostedService(sp => sp.GetRequiredService<SaltoBridge>());
        services.AddSingleton<KisiEventLedger>();
        services.AddSingleton<KisiWebhook>();
        services.AddSingleton<VendorBridges>();
        return services;
    }

    /// <summary>Retries with jittered backoff honouring Retry-After on 5xx, 408, 429 and timeouts; an attempt timeout; a circuit breaker.</summary>
    private static void Resilience(HttpStandardResilienceOptions resilience, int attemptTimeoutSeconds)
    {
        resilience.AttemptTimeout.Timeout = TimeSpan.FromSeconds(Math.Max(1, attemptTimeoutSeconds));
        resilience.CircuitBreaker.SamplingDuration = resilience.AttemptTimeout.Timeout * 2;
        resilience.TotalRequestTimeout.Timeout = resilience.AttemptTimeout.Timeout * 4;
        resilience.Retry.UseJitter = true;
    }

    public static IEndpointRouteBuilder MapBridgeWebhooks(this IEndpointRouteBuilder app)
    {
        KisiWebhook.Map(app);
        return app;
    }
}
