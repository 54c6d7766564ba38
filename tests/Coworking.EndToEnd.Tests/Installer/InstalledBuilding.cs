using System.Globalization;
using System.Text.Json;
using Coworking.Testing.Sync;

namespace Coworking.EndToEnd.Tests.Installer;

/// <summary>What one doctor run printed and returned.</summary>
public sealed record DoctorRun(int ExitCode, JsonElement Report, string Output)
{
    /// <summary>The first finding of <paramref name="check"/> whose subject contains <paramref name="subject"/> (and message <paramref name="message"/>).</summary>
    public JsonElement Finding(string check, string subject, string? message = null) =>
        Report.GetProperty("findings").EnumerateArray().FirstOrDefault(f =>
            f.GetProperty("check").GetString() == check
            && f.GetProperty("subject").GetString()!.Contains(subject, StringComparison.Ordinal)
            && (message is null || f.GetProperty("message").GetString()!.Contains(message, StringComparison.Ordinal))) is { ValueKind: JsonValueKind.Object } found
            ? found
            : throw new Xunit.Sdk.XunitException($"no {check} finding about '{subject}'{(message is null ? "" : $" saying '{message}'")} in:\n{Output}");
}

/// <summary>
/// A location with a real hub and an enrolled, running edge (SyncSite) whose one RS-485 bus is a socat pty with
/// firmware-sim on the other end: reader 1 (front) plain, reader 2 (studio) with the secure channel and its own
/// key, and the edge also configured for a reader 3 (side) that is not on the bus — an unplugged reader.
/// </summary>
public sealed class InstalledBuilding : IAsyncDisposable
{
    private readonly string _directory;
    private readonly SocatPair _bus;
    private readonly ChildProcess _sim;
    private readonly Dictionary<string, string> _edgeSettings;

    private InstalledBuilding(string directory, SocatPair bus, ChildProcess sim, Dictionary<string, string> edgeSettings, SyncSite site)
    {
        _directory = directory;
        _bus = bus;
        _sim = sim;
        _edgeSettings = edgeSettings;
        Site = site;
    }

    public SyncSite Site { get; }

    /// <summary>The bus as the edge's configuration names it.</summary>
    public string Port => _bus.EdgeEnd;

    public static async Task<InstalledBuilding> StartAsync(string readerKey, string edgeKey)
    {
        var directory = Path.Combine(Path.GetTempPath(), "coworking-installer-" + Guid.NewGuid().ToString("N")[..8]);
        var bus = await SocatPair.StartAsync(directory, "bus0");
        var simConfig = Path.Combine(directory, "sim.json");
        await File.WriteAllTextAsync(simConfig, JsonSerializer.Serialize(new
        {
            buses = new[]
            {
                new
                {
                    port = bus.DeviceEnd,
                    baudRate = 115200,
                    readers = new object[]
                    {
                        new { address = 1, doorId = "front", secureChannel = false, keypad = true },
                        new { address = 2, doorId = "studio", secureChannel = true, scbk = readerKey, keypad = true },
                    },
                },
            },
            keyStorePath = Path.Combine(directory, "sim-keys.json"),
        }));
        var sim = ChildProcess.StartProject("firmware-sim/Coworking.Sim", "coworking-sim", ["--config", simConfig, "--urls", "http://127.0.0.1:0"]);
        await sim.ListeningAddressAsync(TimeSpan.FromSeconds(60));
        var settings = new Dictionary<string, string>
        {
            ["Osdp__Buses__0__PortName"] = bus.EdgeEnd,
            ["Osdp__Buses__0__BaudRate"] = "115200",
            ["Osdp__Buses__0__Readers__0__Address"] = "1",
            ["Osdp__Buses__0__Readers__0__DoorId"] = "front",
            ["Osdp__Buses__0__Readers__1__Address"] = "2",
            ["Osdp__Buses__0__Readers__1__DoorId"] = "studio",
            ["Osdp__Buses__0__Readers__1__SecureChannel"] = "true",
            ["Osdp__Buses__0__Readers__1__Scbk"] = edgeKey,
            ["Osdp__Buses__0__Readers__2__Address"] = "3",
            ["Osdp__Buses__0__Readers__2__DoorId"] = "side",
        };
        var site = await SyncSite.StartAsync(reader: false, edgeSettings: settings);
        await site.Edge.WaitForStatusAsync(
            s => s.GetProperty("readers").EnumerateArray().Any(r => r.GetProperty("doorId").GetString() == "front" && r.GetProperty("online").GetBoolean()),
            "the front reader online");
        return new InstalledBuilding(directory, bus, sim, settings, site);
    }

    /// <summary>Runs <c>coworking-edge doctor --json</c> with the edge's settings, as the installer would on the box.</summary>
    public async Task<DoctorRun> DoctorAsync()
    {
        var result = await RunAsync(["doctor", "--json"]);
        return new DoctorRun(result.ExitCode, JsonDocument.Parse(result.Stdout).RootElement, result.Stdout + result.Stderr);
    }

    public Task<ProgramResult> DoctorTextAsync() => RunAsync(["doctor"]);

    /// <summary>Runs a verb of the edge with the same settings as the running edge, given on the command line.</summary>
    public Task<ProgramResult> RunAsync(IEnumerable<string> verb)
    {
        var statusUrl = Site.Edge.StatusUrl ?? throw new InvalidOperationException("the edge never started");
        string[] args =
        [
            .. verb,
            $"--Edge:DataDirectory={Site.Edge.DataDirectory}",
            $"--Edge:StatusUrl={statusUrl.ToString().TrimEnd('/')}",
            .. _edgeSettings.Select(s => $"--{s.Key.Replace("__", ":", StringComparison.Ordinal)}={s.Value}"),
        ];
        return ProgramRun.RunAsync("edge/Coworking.Edge", "coworking-edge", args);
    }

    public async ValueTask DisposeAsync()
    {
        await Site.DisposeAsync();
        await _sim.DisposeAsync();
        _bus.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"building at {_directory}");
}
