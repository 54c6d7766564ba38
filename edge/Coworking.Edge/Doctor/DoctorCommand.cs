using System.Globalization;
using System.Text.Json;
using Coworking.Edge.Configuration;
using Coworking.Edge.EdgeSync;
using Coworking.Edge.Osdp.ControlPanel;
using Coworking.Edge.Readers;
using Coworking.Edge.Status;

namespace Coworking.Edge.Doctor;

/// <summary>
/// <c>coworking-edge doctor [--json]</c>: checks what an installer must get right — the configuration, each
/// serial port and reader, the GPIO chip, the clock, the hub, the disk — and prints one line per check (ok, warn,
/// fail) with the fix in words. Exit code 1 when anything failed, 2 when the configuration cannot be read.
/// It asks a running edge for what only the edge can see (it holds the ports); with the edge stopped, it opens
/// each free port and brings the readers up itself for a few seconds.
/// </summary>
public static class DoctorCommand
{
    public const string Verb = "doctor";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var json = args.Contains("--json");
        var rest = args.Where(a => a != "--json").ToArray();
        var report = await ExamineAsync(rest, cancellationToken);
        if (json)
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(report, Json));
        }
        else
        {
            foreach (var finding in report.Findings)
            {
                await Console.Out.WriteLineAsync(Line(finding));
            }

            var failed = report.Findings.Count(f => f.Level == DoctorLevel.Fail);
            var warned = report.Findings.Count(f => f.Level == DoctorLevel.Warn);
            await Console.Out.WriteLineAsync(failed == 0
                ? $"doctor: nothing failed ({warned} warnings)"
                : $"doctor: {failed} failed, {warned} warnings");
        }

        return report.Findings.Any(f => f.Check == "config" && f.Level == DoctorLevel.Fail) ? 2 : report.Ok ? 0 : 1;
    }

    public static async Task<DoctorReport> ExamineAsync(string[] args, CancellationToken cancellationToken)
    {
        var findings = new List<DoctorFinding>();
        EdgeOptions edge;
        EdgeSyncOptions sync;
        IReadOnlyList<OsdpBusOptions> buses;
        try
        {
            var configuration = EdgeConfiguration.Build(args);
            edge = configuration.GetSection(EdgeOptions.Section).Get<EdgeOptions>() ?? new EdgeOptions();
            sync = configuration.GetSection(EdgeSyncOptions.Section).Get<EdgeSyncOptions>() ?? new EdgeSyncOptions();
            buses = OsdpReaderServices.ReadBuses(configuration);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or InvalidOperationException)
        {
            findings.Add(DoctorFinding.Fail("config", EdgeConfiguration.FilePath, e.Message, $"fix {EdgeConfiguration.FilePath} (docs/EDGE.md §1, docs/OSDP.md §3), then: sudo systemctl restart coworking-edge"));
            return new DoctorReport(false, findings);
        }

        var file = EdgeConfiguration.FilePath;
        var readers = buses.Sum(b => b.Readers.Count);
        var summary = $"{buses.Count} buses, {readers} readers, {edge.Gpio.Doors.Count} GPIO doors, data in {Path.GetFullPath(edge.DataDirectory)}";
        findings.Add(File.Exists(file)
            ? DoctorFinding.Ok("config", file, summary)
            : DoctorFinding.Warn("config", file, $"no configuration file; built-in defaults: {summary}", $"the package installs {EdgeConfiguration.DefaultFile}; set COWORKING_EDGE_CONFIG to use another file"));

        using var running = await RunningEdge.FindAsync(edge.StatusUrl, cancellationToken);
        JsonElement? status = null;
        JsonElement? osdp = null;
        if (running is not null)
        {
            status = await running.GetAsync("/status", cancellationToken);
            osdp = await running.GetAsync("/status/osdp", cancellationToken);
            findings.Add(DoctorFinding.Ok("edge", edge.StatusUrl, $"the edge is running (version {status.Value.GetProperty("version").GetString()}, outbox depth {status.Value.GetProperty("outbox").GetProperty("depth").GetInt64()})"));
        }
        else
        {
            findings.Add(DoctorFinding.Warn("edge", edge.StatusUrl, "the edge is not running: doors are not being served",
                "start it: sudo systemctl start coworking-edge (its log: journalctl -u coworking-edge)"));
        }

        foreach (var bus in buses)
        {
            var port = PortChecks.SerialPort(bus, out var free);
            findings.Add(port);
            var busStatus = osdp?.EnumerateArray().FirstOrDefault(b => b.GetProperty("portName").GetString() == bus.PortName);
            if (busStatus is { ValueKind: JsonValueKind.Object } served)
            {
                findings.AddRange(ReaderChecks.FromRunningEdge(bus, served));
            }
            else if (free)
            {
                findings.AddRange(await ReaderChecks.ProbeAsync(bus, ProbeTime(bus), cancellationToken));
            }
            else if (port.Level != DoctorLevel.Fail)
            {
                findings.Add(DoctorFinding.Warn("reader", bus.PortName, "the readers were not checked: the running edge does not serve this bus",
                    "the configuration changed since the edge started: sudo systemctl restart coworking-edge"));
            }
        }

        if (PortChecks.Gpio(edge) is { } gpio)
        {
            findings.Add(gpio);
        }

        findings.Add(await HostChecks.ClockAsync(cancellationToken));
        findings.AddRange(await HubChecks.CheckAsync(edge.DataDirectory, sync,
            status is { } s && s.TryGetProperty("sync", out var link) && link.ValueKind == JsonValueKind.Object ? link : null, cancellationToken));
        findings.AddRange(HostChecks.DataDirectory(edge));
        return new DoctorReport(findings.All(f => f.Level != DoctorLevel.Fail), findings);
    }

    /// <summary>Long enough for a reader to be probed three times and to finish a secure channel handshake.</summary>
    private static TimeSpan ProbeTime(OsdpBusOptions bus) =>
        TimeSpan.FromSeconds(2) + (bus.ReprobeInterval * 3) + ((bus.ReplyTimeout * bus.OfflineAfterMisses) * bus.Readers.Count);

    private static string Line(DoctorFinding finding)
    {
        var level = finding.Level switch
        {
            DoctorLevel.Ok => "ok  ",
            DoctorLevel.Warn => "warn",
            _ => "FAIL",
        };
        var line = string.Create(CultureInfo.InvariantCulture, $"{level}  {finding.Check,-6}  {finding.Subject}: {finding.Message}");
        return finding.Fix is null ? line : $"{line}\n      fix: {finding.Fix}";
    }
}
