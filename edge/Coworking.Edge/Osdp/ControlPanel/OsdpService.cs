namespace Coworking.Edge.Osdp.ControlPanel;

/// <summary>Runs every configured OSDP bus for the life of the edge; each bus keeps its own port and loop.</summary>
public sealed class OsdpService(IEnumerable<OsdpBus> buses) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(buses.Select(bus => bus.RunAsync(stoppingToken)));
}
