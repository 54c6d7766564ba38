using Coworking.Edge.Cache;
using Coworking.Edge.Configuration;
using Coworking.Edge.Doors;
using Coworking.Edge.Osdp.ControlPanel;
using Coworking.Edge.Outbox;
using Coworking.Edge.Status;
using Microsoft.AspNetCore.Http.HttpResults;

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
        app.MapPost("/status/osdp/readers/{readerId}/key-rotation", RotateKeyAsync);
        app.MapPost("/status/osdp/readers/{readerId}/install-mode", ReturnToInstallMode);
        return app;
    }

    /// <summary>A reader the edge installed gets a fresh secure channel key with osdp_KEYSET (docs/OSDP.md §5).</summary>
    private static async Task<Results<Ok<KeyRotated>, NotFound, ProblemHttpResult>> RotateKeyAsync(string readerId, OsdpReaders readers, CancellationToken cancellationToken)
    {
        if (readers.Find(readerId) is not (var bus, var address))
        {
            return TypedResults.NotFound();
        }

        try
        {
            var result = await bus.RotateKeyAsync(address, cancellationToken);
            return result == OsdpCommandResult.Acknowledged
                ? TypedResults.Ok(new KeyRotated(readerId))
                : TypedResults.Problem($"The reader did not take the new key ({result}); it keeps its current key.", statusCode: StatusCodes.Status409Conflict);
        }
        catch (InvalidOperationException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status409Conflict);
        }
    }

    /// <summary>The edge forgets the key it gave the reader; the reader comes online again once it is reset to install mode.</summary>
    private static Results<Accepted, NotFound, ProblemHttpResult> ReturnToInstallMode(string readerId, OsdpReaders readers)
    {
        if (readers.Find(readerId) is not (var bus, var address))
        {
            return TypedResults.NotFound();
        }

        try
        {
            bus.ReturnToInstallMode(address);
            return TypedResults.Accepted((string?)null);
        }
        catch (InvalidOperationException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status409Conflict);
        }
    }
}

/// <summary>POST /status/osdp/readers/{readerId}/key-rotation: the reader acknowledged its new key; the edge reconnects with it.</summary>
public sealed record KeyRotated(string ReaderId);
