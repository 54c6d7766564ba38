using Coworking.Hub.Database;
using Coworking.Hub.Http;

namespace Coworking.Hub.EdgeSync;

/// <summary>Wires the hub's side of edge sync: the gRPC service, its stores and background work.</summary>
public static class EdgeSyncSetup
{
    public static IServiceCollection AddEdgeSync(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EdgeSyncOptions>().Bind(configuration.GetSection(EdgeSyncOptions.Section));
        services.AddGrpc();
        services.AddSingleton<HubCertificateAuthority>();
        services.AddSingleton<EdgeStore>();
        services.AddSingleton<EventIntake>();
        services.AddSingleton<EdgeEventStore>();
        services.AddSingleton<ChangeNotifier>();
        services.AddSingleton<INotificationListener>(sp => sp.GetRequiredService<ChangeNotifier>());
        services.AddSingleton<DoorCommands>();
        services.AddSingleton<INotificationListener>(sp => sp.GetRequiredService<DoorCommands>());
        services.AddSingleton<ChangeLogCompactor>();
        services.AddHostedService(sp => sp.GetRequiredService<ChangeLogCompactor>());
        return services;
    }

    public static IEndpointRouteBuilder MapEdgeSync(this IEndpointRouteBuilder routes)
    {
        routes.MapGrpcService<EdgeSyncService>();
        return routes;
    }
}
