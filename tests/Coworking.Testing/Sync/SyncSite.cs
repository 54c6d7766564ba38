using System.Text.Json;

namespace Coworking.Testing.Sync;

/// <summary>
/// A location as an operator and an installer set it up, every part a real process: PostgreSQL, one or more
/// hub instances on it, an organisation (`coworking-hub bootstrap`), a location with a front door and Ada,
/// an active member with card 42:10001; firmware-sim with a reader at the front door on a pty; and an edge
/// enrolled with a one-time code (`coworking-edge enroll`) and running, synced with the hub.
/// </summary>
public sealed class SyncSite : IAsyncDisposable
{
    public const string AdaCard = "42:10001";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "coworking-sync-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<EdgeInstance> _moreEdges = [];
    private Dictionary<string, string> _edgeSettings = [];

    private SyncSite(HubApi api, IReadOnlyList<HubInstance> hubs)
    {
        Api = api;
        Hubs = hubs;
    }

    public IReadOnlyList<HubInstance> Hubs { get; }

    public HubInstance Hub => Hubs[0];

    public HubApi Api { get; }

    public Guid LocationId { get; private set; }

    public Guid DoorId { get; private set; }

    public Guid AdaId { get; private set; }

    public EdgeInstance Edge { get; private set; } = null!;

    public SimReader? Reader { get; private set; }

    /// <param name="hubs">Hub instances on the one database; the edge is given all their addresses.</param>
    /// <param name="hubSettings">Extra hub settings (--Key=value) for every instance.</param>
    /// <param name="reader">Whether a simulated reader serves the front door.</param>
    /// <param name="edgeSettings">Extra edge settings (environment variables) for every edge of the site.</param>
    /// <param name="adaJoined">Whether Ada starts with a membership of an all-hours tier (without one she opens no door).</param>
    /// <param name="hubEnvironment">Extra environment variables for every hub instance (an <see cref="EdgeClock"/>'s puts the hubs on it too).</param>
    /// <param name="hubBuild">The hub version that bootstraps the database and every instance runs; this checkout's when null.</param>
    public static async Task<SyncSite> StartAsync(
        int hubs = 1, IReadOnlyList<string>? hubSettings = null, bool reader = true, IReadOnlyDictionary<string, string>? edgeSettings = null,
        bool adaJoined = true, IReadOnlyDictionary<string, string>? hubEnvironment = null, HubBuild? hubBuild = null)
    {
        hubBuild ??= HubBuild.Current;
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("sync");
        var bootstrap = await ProgramRun.RunAsync("hub/Coworking.Hub", "coworking-hub", ["bootstrap", "--org", "Sync Coworking", .. PostgresServer.HubSettings(database)],
            root: hubBuild.Root);
        Succeeded(bootstrap);
        var apiKey = JsonDocument.Parse(bootstrap.Stdout).RootElement.GetProperty("apiKey").GetString()!;

        var instances = new List<HubInstance>();
        for (var i = 0; i < hubs; i++)
        {
            instances.Add(await HubInstance.StartAsync(database, hubSettings, hubEnvironment, hubBuild));
        }

        var api = new HubApi(apiKey, database);
        api.UseHub(instances[0]);
        var site = new SyncSite(api, instances);
        site.LocationId = await api.CreateLocationAsync("Canal Street");
        site.DoorId = await api.CreateDoorAsync(site.LocationId, "Front door");
        site.AdaId = await api.CreateMemberWithCardAsync(site.LocationId, 42, 10001, adaJoined);

        var settings = new Dictionary<string, string>
        {
            // Quicker than the defaults, so the tests notice a dead hub and come back sooner.
            ["Edge__Sync__KeepAlivePingDelayMs"] = "1000",
            ["Edge__Sync__KeepAlivePingTimeoutMs"] = "2000",
            ["Edge__Sync__ReconnectMaxDelayMs"] = "2000",
        };
        foreach (var (key, value) in edgeSettings ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        site._edgeSettings = new Dictionary<string, string>(settings);
        if (reader)
        {
            site.Reader = await SimReader.StartAsync(Path.Combine(site._directory, "sim"), site.DoorId);
            foreach (var (key, value) in site.Reader.EdgeSettings(site.DoorId, Path.Combine(site._directory, "edge")))
            {
                settings[key] = value;
            }
        }

        site.Edge = new EdgeInstance(Path.Combine(site._directory, "edge"), settings);
        var enrolled = await site.Edge.EnrollAsync(string.Join(',', instances.Select(h => h.SyncUrl)), await api.EnrolmentCodeAsync(site.LocationId));
        Succeeded(enrolled);
        await site.Edge.StartAsync();
        await site.SyncedAsync();
        if (reader)
        {
            await site.Edge.WaitForStatusAsync(s => s.GetProperty("readers").EnumerateArray().Any(r => r.GetProperty("online").GetBoolean()), "reader online");
        }

        return site;
    }

    /// <summary>Another edge for the location, enrolled with a new code but not started; the site disposes it.</summary>
    public async Task<EdgeInstance> EnrolAnotherEdgeAsync()
    {
        var edge = new EdgeInstance(Path.Combine(_directory, $"edge-{_moreEdges.Count + 2}"), _edgeSettings);
        _moreEdges.Add(edge);
        var enrolled = await edge.EnrollAsync(string.Join(',', Hubs.Select(h => h.SyncUrl)), await Api.EnrolmentCodeAsync(LocationId));
        Succeeded(enrolled);
        return edge;
    }

    /// <summary>Presents a card at the front door; "granted" or "denied" as the reader showed it.</summary>
    public Task<string> BadgeAsync(string card = AdaCard) => Reader!.BadgeAsync(DoorId, card);

    /// <summary>Types a PIN on the front door's keypad; "granted" or "denied" as the reader showed it.</summary>
    public Task<string> KeypadAsync(string pin) => Reader!.KeypadAsync(DoorId, pin);

    /// <summary>Waits until the edge has applied everything the location's log holds now.</summary>
    public async Task SyncedAsync() => await Edge.WaitForSeqAsync(await Api.LocationSeqAsync(LocationId));

    private static void Succeeded(ProgramResult result)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"exit code {result.ExitCode}: {result.Stderr}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Edge.DisposeAsync();
        foreach (var edge in _moreEdges)
        {
            await edge.DisposeAsync();
        }

        if (Reader is not null)
        {
            await Reader.DisposeAsync();
        }

        foreach (var hub in Hubs)
        {
            await hub.DisposeAsync();
        }

        Api.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
