using Coworking.Edge.Cache;
using Coworking.Edge.Configuration;
using Coworking.Edge.Doors;
using Coworking.Edge.Osdp.ControlPanel;
using Coworking.Edge.Outbox;
using Coworking.Edge.Status;

namespace Coworking.Edge.Readers;

public static class OsdpReaderServices
{
    public const string Section = "Osdp:Buses";

    /// <summary>
    /// Reads and checks the buses of the "Osdp:Buses" section; throws <see cref="ArgumentException"/> naming every
    /// setting that cannot work, so the edge refuses to start rather than run doors half configured.
    /// </summary>
    public static IReadOnlyList<OsdpBusOptions> ReadBuses(IConfiguration configuration)
    {
        var buses = configuration.GetSection(Section).Get<List<OsdpBusOptions>>() ?? [];
        foreach (var bus in buses)
        {
            bus.Validate();
        }

        foreach (var port in buses.GroupBy(b => b.PortName, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            throw new ArgumentException($"OSDP bus {port.Key} is configured more than once; put all its readers in one bus entry.");
        }

        return buses;
    }

    /// <summary>
    /// Adds the OSDP readers. Call after the GPIO doors and before <see cref="DoorControlService"/>: hosted
    /// services start in registration order, and a door wired to GPIO keeps that wiring.
    /// </summary>
    public static IServiceCollection AddOsdpReaders(this IServiceCollection services, IReadOnlyList<OsdpBusOptions> buses, EdgeOptions edge)
    {
        services.AddSingleton(sp =>
        {
            var time = sp.GetRequiredService<TimeProvider>();
            var busLog = sp.GetRequiredService<ILogger<OsdpBus>>();
            return new OsdpReaders(
                [.. buses.Select(options => new OsdpBus(options, time, busLog))],
                buses,
                sp.GetRequiredService<DoorRegistry>(),
                sp.GetRequiredService<GrantCache>(),
                sp.GetRequiredService<AccessService>(),
                sp.GetRequiredService<IEventRecorder>(),
                time,
                TimeSpan.FromSeconds(edge.PinEntrySeconds),
                sp.GetRequiredService<ILogger<OsdpReaders>>());
        });
        services.AddSingleton<IReaderStatusSource>(sp => sp.GetRequiredService<OsdpReaders>());
        services.AddHostedService(sp => sp.GetRequiredService<OsdpReaders>());
        return services;
    }

    /// <summary>GET /status/osdp: every bus with its counters and every reader in detail (identity, secure channel, inputs, outputs).</summary>
    public static IEndpointRouteBuilder MapOsdpStatus(this IEndpointRouteBuilder app)
    {
        app.MapGet("/status/osdp", (OsdpReaders readers) => TypedResults.Ok(readers.Buses.Select(b => b.GetStatus()).ToList()));
        return app;
    }
}
