using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Coworking.Edge.Configuration;
using Coworking.Edge.Osdp.ControlPanel;
using Coworking.Edge.Readers;
using Coworking.Edge.Status;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coworking.Edge.Osdp.Capture;

/// <summary>
/// <c>coworking-edge capture --bus NAME --seconds N</c>: writes a pcap of one bus (docs/OSDP.md §7) and prints
/// its path. A running edge is asked to write it (it holds the port); with the edge stopped, the verb opens the
/// port itself and polls the configured readers for those seconds, as the edge would.
/// </summary>
public static class CaptureCommand
{
    public const string Verb = "capture";
    private const string Usage = "usage: coworking-edge capture --bus NAME --seconds N   (NAME: the port, e.g. /dev/ttyUSB0 or ttyUSB0)";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        string? busName = null;
        int? seconds = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--bus" when i + 1 < args.Length: busName = args[++i]; break;
                case "--seconds" when i + 1 < args.Length:
                    seconds = int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : -1;
                    break;
                default: rest.Add(args[i]); break;
            }
        }

        if (busName is null || seconds is not (>= 1 and <= CaptureApi.MaxSeconds))
        {
            await Console.Error.WriteLineAsync($"{Usage}\n  --seconds is 1-{CaptureApi.MaxSeconds}");
            return 2;
        }

        EdgeOptions edge;
        IReadOnlyList<OsdpBusOptions> buses;
        try
        {
            var configuration = EdgeConfiguration.Build([.. rest]);
            edge = configuration.GetSection(EdgeOptions.Section).Get<EdgeOptions>() ?? new EdgeOptions();
            buses = OsdpReaderServices.ReadBuses(configuration);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"configuration error: {e.Message}");
            return 2;
        }

        var bus = buses.FirstOrDefault(b => CaptureApi.Names(b.PortName, busName));
        if (bus is null)
        {
            await Console.Error.WriteLineAsync($"no bus '{busName}' is configured; the buses are: {(buses.Count == 0 ? "none" : string.Join(", ", buses.Select(b => b.PortName)))}");
            return 2;
        }

        using var running = await RunningEdge.FindAsync(edge.StatusUrl, cancellationToken);
        var path = running is null
            ? await CaptureHereAsync(bus, edge, seconds.Value, cancellationToken)
            : await AskTheEdgeAsync(running, bus, seconds.Value, cancellationToken);
        if (path is null)
        {
            return 1;
        }

        await Console.Error.WriteLineAsync($"capture of {bus.PortName} for {seconds} s: open it in Wireshark with the OSDP dissector (docs/OSDP.md §7)");
        await Console.Out.WriteLineAsync(path);
        return 0;
    }

    private static async Task<string?> AskTheEdgeAsync(RunningEdge running, OsdpBusOptions bus, int seconds, CancellationToken cancellationToken)
    {
        await Console.Error.WriteLineAsync($"the edge is running: it captures {bus.PortName} for {seconds} s");
        using var response = await running.Http.PostAsJsonAsync(new Uri("/status/captures", UriKind.Relative), new CaptureRequest(bus.PortName, seconds, true), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            await Console.Error.WriteLineAsync($"the edge refused the capture ({(int)response.StatusCode}): {body}");
            return null;
        }

        return JsonDocument.Parse(body).RootElement.GetProperty("path").GetString();
    }

    private static async Task<string?> CaptureHereAsync(OsdpBusOptions bus, EdgeOptions edge, int seconds, CancellationToken cancellationToken)
    {
        await Console.Error.WriteLineAsync($"the edge is not running: opening {bus.PortName} and polling its readers for {seconds} s");
        var osdp = new OsdpBus(bus, TimeProvider.System, NullLogger<OsdpBus>.Instance);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = osdp.RunAsync(stop.Token);
        try
        {
            var capture = osdp.StartCapture(CaptureApi.Directory(edge.DataDirectory), TimeSpan.FromSeconds(seconds));
            await capture.Completed.WaitAsync(cancellationToken);
            return capture.Path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"the capture could not be written in {CaptureApi.Directory(edge.DataDirectory)}: {e.Message}");
            return null;
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }
}
