using Coworking.Edge.Status;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Edge.EdgeSync;

public static class EdgeSyncServiceCollectionExtensions
{
    /// <summary>The link to the hub (Edge:Sync section): registered after the cache and outbox it uses, so it stops before them.</summary>
    public static IServiceCollection AddEdgeSync(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(configuration.GetSection(EdgeSyncOptions.Section).Get<EdgeSyncOptions>() ?? new EdgeSyncOptions());
        services.AddSingleton<HubLink>();
        services.AddSingleton<ISyncStatusSource>(sp => sp.GetRequiredService<HubLink>());
        services.AddHostedService(sp => sp.GetRequiredService<HubLink>());
        return services;
    }
}
