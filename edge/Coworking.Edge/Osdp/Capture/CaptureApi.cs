using System.Collections.Concurrent;
using Coworking.Edge.Configuration;
using Coworking.Edge.Readers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Edge.Osdp.Capture;

/// <summary>POST /status/captures {"bus", "seconds", "wait"}: the body of a capture request; a missing field is invalid.</summary>
public sealed record CaptureRequest(string? Bus, int? Seconds, bool? Wait);

/// <summary>Where the capture goes and when it ends; with "wait" the answer comes once the file is complete.</summary>
public sealed record CaptureStarted(string Bus, string Path, DateTimeOffset EndsAt, bool Complete);

/// <summary>
/// Installer's captures of a running edge's buses (docs/OSDP.md §7): the edge holds the serial port, so it is
/// the edge that writes the pcap, into its data directory's captures/ folder (mode 600: it may hold card data).
/// One capture per bus at a time; a capture is at most an hour and at most the bus's CaptureMaxBytes.
/// </summary>
public static class CaptureApi
{
    public const int MaxSeconds = 3600;
    private static readonly ConcurrentDictionary<string, BusCapture> Running = new(StringComparer.Ordinal);

    public static IEndpointRouteBuilder MapCaptureApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/status/captures", StartAsync);
        return app;
    }

    /// <summary>The captures folder of an edge whose data lives in <paramref name="dataDirectory"/>.</summary>
    public static string Directory(string dataDirectory) => System.IO.Path.Combine(dataDirectory, "captures");

    /// <summary>True when <paramref name="name"/> names the bus on <paramref name="portName"/>: the whole path, its file name, or the name used in capture files.</summary>
    public static bool Names(string portName, string name)
    {
        ArgumentNullException.ThrowIfNull(portName);
        return name == portName || name == System.IO.Path.GetFileName(portName) || name == OsdpPcapWriter.SafeName(portName);
    }

    private static async Task<Results<Ok<CaptureStarted>, Accepted<CaptureStarted>, ValidationProblem, ProblemHttpResult>> StartAsync(
        CaptureRequest? request, OsdpReaders readers, EdgeOptions edge, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var buses = readers.Buses;
        var bus = request?.Bus is { Length: > 0 } name ? buses.FirstOrDefault(b => Names(b.PortName, name)) : null;
        if (bus is null)
        {
            errors["bus"] = [$"must name a configured bus: {string.Join(", ", buses.Select(b => b.PortName))}"];
        }

        if (request?.Seconds is not (>= 1 and <= MaxSeconds))
        {
            errors["seconds"] = [$"must be 1-{MaxSeconds}"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        BusCapture capture;
        lock (Running)
        {
            if (Running.TryGetValue(bus!.PortName, out var running) && !running.Completed.IsCompleted)
            {
                return TypedResults.Problem($"A capture of {bus.PortName} is already running until {running.EndsAt:O}: {running.Path}.", statusCode: StatusCodes.Status409Conflict);
            }

            try
            {
                capture = bus.StartCapture(Directory(edge.DataDirectory), TimeSpan.FromSeconds(request!.Seconds!.Value));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return TypedResults.Problem($"The capture could not be started in {Directory(edge.DataDirectory)}: {e.Message}", statusCode: StatusCodes.Status507InsufficientStorage);
            }

            Running[bus.PortName] = capture;
        }

        if (request.Wait == true)
        {
            await capture.Completed.WaitAsync(cancellationToken);
            return TypedResults.Ok(new CaptureStarted(bus.PortName, capture.Path, capture.EndsAt, true));
        }

        return TypedResults.Accepted((string?)null, new CaptureStarted(bus.PortName, capture.Path, capture.EndsAt, false));
    }
}
