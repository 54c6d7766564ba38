using Coworking.Edge.Bridges.Brivo;
using Coworking.Edge.Bridges.Kisi;
using Coworking.Edge.Bridges.Salto;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;

namespace Coworking.Edge.Bridges;

public static class BridgeServices
{
    /// <summary>
    /// The vendor bridges (Edge:Bridges): the accounts the hub sends, and per vendor its bridge, its rate gate and its
    /// HttpClients — the gate innermost, under the standard resilience pipeline (retries with jittered backoff honouring
    /// Retry-After on 5xx, 408, 429 and timeouts; an attempt timeout; a circuit breaker).
    /// </summary>
    public static IServiceCollection AddVendorBridges(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(BridgeOptions.Section).Get<BridgeOptions>() ?? new BridgeOptions();
        services.AddSingleton<VendorAccountStore>();
        services.AddSingleton<BridgeDependencies>();
        services.AddSingleton(options.Kisi);
        services.AddVendor<KisiBridge>(KisiBridge.VendorName, options.Kisi);
        services.AddSingleton(options.Brivo);
        services.AddSingleton<BrivoTokens>();
        services.AddVendor<BrivoBridge>(BrivoBridge.VendorName, options.Brivo);
        services.AddSingleton(options.Salto);
        services.AddSingleton<SaltoTokens>();
        services.AddVendor<SaltoBridge>(SaltoBridge.VendorName, options.Salto);
        services.AddSingleton<KisiWebhook>();
        services.AddSingleton<VendorBridges>();
        return services;
    }

    public static IEndpointRouteBuilder MapBridgeWebhooks(this IEndpointRouteBuilder app)
    {
        KisiWebhook.Map(app);
        return app;
    }

    /// <summary>
    /// One vendor: its rate gate (keyed by the vendor's name), its HttpClient (named so too, for the API and the token
    /// endpoint alike) behind the gate, and its bridge.
    /// </summary>
    private static void AddVendor<TBridge>(this IServiceCollection services, string vendor, VendorOptions options)
        where TBridge : BackgroundService, IVendorBridge
    {
        services.AddKeyedSingleton(vendor, (sp, _) => new VendorRateGate(options.RequestsPerSecond, sp.GetRequiredService<TimeProvider>()));
        services.AddHttpClient(vendor)
            .AddStandardResilienceHandler(resilience =>
            {
                resilience.AttemptTimeout.Timeout = TimeSpan.FromSeconds(Math.Max(1, options.AttemptTimeoutSeconds));
                resilience.CircuitBreaker.SamplingDuration = resilience.AttemptTimeout.Timeout * 2;
                resilience.TotalRequestTimeout.Timeout = resilience.AttemptTimeout.Timeout * 4;
                resilience.Retry.UseJitter = true;
            }).Services
            .AddHttpClient(vendor).AddHttpMessageHandler(sp => new VendorRateGateHandler(sp.GetRequiredKeyedService<VendorRateGate>(vendor)));

        services.AddSingleton<TBridge>();
        services.AddSingleton<IVendorBridge>(sp => sp.GetRequiredService<TBridge>());
        services.AddHostedService(sp => sp.GetRequiredService<TBridge>());
    }
}
