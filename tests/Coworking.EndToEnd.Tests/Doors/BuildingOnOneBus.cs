using System.Net.Http.Json;
using System.Text.Json;
using Coworking.Edge.Cache;
using Coworking.Proto.V1;
using Microsoft.Extensions.Logging.Abstractions;
using static Coworking.Testing.ChangeLog;

namespace Coworking.EndToEnd.Tests.Doors;

/// <summary>
/// A small building as the installer wires it: one RS-485 bus (a socat pty pair at 115200 baud) with four
/// simulated readers, the real edge process on one end and the real firmware-sim process on the other. The
/// edge's cache is written before it starts, as a sync would have left it.
/// </summary>
public sealed class BuildingOnOneBus : IAsyncLifetime
{
    public const string Front = "front";
    public const string Studio = "studio";
    public const string Office = "office";
    public const string Side = "side";
    public const string AdaCard = "42:10001";
    public const string AdaPin = "482915";
    public const string GraceCard = "42:10002";
    public const string AlanCard = "9876543210";
    public const int FrontUnlockMs = 3000;
    public const int DefaultUnlockMs = 5000;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "coworking-e2e-" + Guid.NewGuid().ToString("N")[..8]);
    private SocatPair? _bus;
    private ChildProcess? _sim;
    private ChildProcess? _edge;

    public HttpClient Sim { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public HttpClient Edge { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string EdgeDataDirectory => Path.Combine(_directory, "edge");

    public string EdgeOutput => _edge?.Output ?? "";

    public async Task InitializeAsync()
    {
        SeedEdgeCache();
        _bus = await SocatPair.StartAsync(_directory, "bus0");
        var simConfig = Path.Combine(_directory, "sim.json");
        await File.WriteAllTextAsync(simConfig, JsonSerializer.Serialize(new
        {
            buses = new[]
            {
                new
                {
                    port = _bus.DeviceEnd,
                    baudRate = 115200,
                    readers = new object[]
                    {
                        new { address = 1, doorId = Front, secureChannel = false, keypad = true },
                        new { address = 2, doorId = Studio, secureChannel = true, keypad = true },
                        new { address = 3, doorId = Office, secureChannel = false, keypad = true },
                        new { address = 4, doorId = Side, secureChannel = false, keypad = false },
                    },
                },
            },
            badgeTimeoutMs = 15000,
            keyStorePath = Path.Combine(_directory, "sim-keys.json"),
        }));
        _sim = ChildProcess.StartProject("firmware-sim/Coworking.Sim", "coworking-sim", ["--config", simConfig, "--urls", "http://127.0.0.1:0"]);
        Sim.BaseAddress = await _sim.ListeningAddressAsync(TimeSpan.FromSeconds(60));

        _edge = ChildProcess.StartProject("edge/Coworking.Edge", "coworking-edge", [], new Dictionary<string, string>
        {
            ["Edge__DataDirectory"] = EdgeDataDirectory,
            ["Edge__StatusUrl"] = "http://127.0.0.1:0",
            ["Osdp__Buses__0__PortName"] = _bus.EdgeEnd,
            ["Osdp__Buses__0__BaudRate"] = "115200",
            ["Osdp__Buses__0__KeyStorePath"] = Path.Combine(EdgeDataDirectory, "osdp-keys.json"),
            ["Osdp__Buses__0__Readers__0__Address"] = "1",
            ["Osdp__Buses__0__Readers__0__DoorId"] = Front,
            ["Osdp__Buses__0__Readers__1__Address"] = "2",
            ["Osdp__Buses__0__Readers__1__DoorId"] = Studio,
            ["Osdp__Buses__0__Readers__1__SecureChannel"] = "true",
            ["Osdp__Buses__0__Readers__2__Address"] = "3",
            ["Osdp__Buses__0__Readers__2__DoorId"] = Office,
            ["Osdp__Buses__0__Readers__3__Address"] = "4",
            ["Osdp__Buses__0__Readers__3__DoorId"] = Side,
        });
        Edge.BaseAddress = await _edge.ListeningAddressAsync(TimeSpan.FromSeconds(60));
        foreach (var door in new[] { Front, Studio, Office, Side })
        {
            await WaitForReaderAsync(door, online: true);
        }
    }

    public async Task DisposeAsync()
    {
        if (_edge is not null)
        {
            await _edge.DisposeAsync();
        }

        if (_sim is not null)
        {
            await _sim.DisposeAsync();
        }

        _bus?.Dispose();
        Sim.Dispose();
        Edge.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Presents a card or PIN at the simulated reader; the sim answers with what the reader showed.</summary>
    public async Task<BadgeResult> BadgeAsync(string doorId, string? card = null, string? pin = null)
    {
        using var response = await Sim.PostAsJsonAsync($"/doors/{doorId}/badge", new { card, pin });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<BadgeResult>())!;
    }

    public Task<JsonElement> StatusAsync() => Edge.GetFromJsonAsync<JsonElement>("/status");

    /// <summary>The reason the edge gave for its newest decision at a door, from the installer's status page.</summary>
    public async Task<string?> LatestReasonAsync(string doorId)
    {
        var status = await StatusAsync();
        return status.GetProperty("recentDecisions").EnumerateArray()
            .Where(d => d.GetProperty("doorId").GetString() == doorId)
            .Select(d => d.GetProperty("reason").GetString())
            .FirstOrDefault();
    }

    public async Task<JsonElement> ReaderAsync(string doorId) =>
        (await StatusAsync()).GetProperty("readers").EnumerateArray().Single(r => r.GetProperty("doorId").GetString() == doorId);

    public async Task<JsonElement> DoorAsync(string doorId) =>
        (await StatusAsync()).GetProperty("doors").EnumerateArray().Single(d => d.GetProperty("doorId").GetString() == doorId);

    /// <summary>Polls /status until the reader is online or offline as asked; bounded, for a loaded machine.</summary>
    public async Task<JsonElement> WaitForReaderAsync(string doorId, bool online) =>
        await WaitForAsync(() => ReaderAsync(doorId), r => r.GetProperty("online").GetBoolean() == online, $"reader of {doorId} online={online}");

    public async Task<JsonElement> WaitForDoorStateAsync(string doorId, string state) =>
        await WaitForAsync(() => DoorAsync(doorId), d => d.GetProperty("state").GetString() == state, $"door {doorId} {state}");

    private async Task<JsonElement> WaitForAsync(Func<Task<JsonElement>> read, Func<JsonElement, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await read();
            if (done(last))
            {
                return last;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{what} not reached within 30 s; last seen {last}\nedge output:\n{EdgeOutput}");
    }

    /// <summary>
    /// The cache as the hub would have sent it: Ada (card + PIN, all doors), Grace (her grant ended yesterday),
    /// Alan (suspended, a raw 40-bit card); the office door wants card and PIN.
    /// </summary>
    private void SeedEdgeCache()
    {
        Directory.CreateDirectory(EdgeDataDirectory);
        var now = DateTimeOffset.UtcNow;
        var log = new ChangeLog();
        using var cache = GrantCache.Open(Path.Combine(EdgeDataDirectory, "cache.db"), TimeProvider.System, NullLogger<GrantCache>.Instance);
        var applied = cache.Apply(log.Batch(
            Location(),
            Door(Front, unlockMs: FrontUnlockMs),
            Door(Studio),
            Door(Office, cardAndPin: true),
            Door(Side, heldOpenLimitS: 2),
            Holder("ada"),
            Card("ada-card", "ada", 42, 10001),
            Pin("ada-pin", "ada", AdaPin),
            Grant("ada-all", "ada"),
            Holder("grace"),
            Card("grace-card", "grace", 42, 10002),
            Grant("grace-trial", "grace", from: now.AddDays(-8), until: now.AddDays(-1)),
            Holder("alan", HolderStatus.Suspended),
            Card("alan-card", "alan", 0, 9876543210)));
        Assert.Equal(ApplyOutcome.Applied, applied.Outcome);
    }

}

public sealed record BadgeResult(string Result, string Led, int StrikeMs, long ElapsedMs);
