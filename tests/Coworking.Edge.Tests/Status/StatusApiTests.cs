using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Coworking.Edge.Configuration;
using Coworking.Edge.Decisions;
using Coworking.Edge.Doors;
using Coworking.Edge.Outbox;
using Coworking.Edge.Status;
using Coworking.Edge.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Coworking.Testing.ChangeLog;

namespace Coworking.Edge.Tests.Status;

/// <summary>The status page over real HTTP (Kestrel on a free local port), as an installer's browser sees it.</summary>
public sealed class StatusApiTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 4, 10, 0, 0, TimeSpan.Zero));
    private readonly CacheBuilder _cache = new();
    private readonly FakeDoorHardware _front = new("front");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private EventOutbox _outbox = null!;
    private WebApplication _app = null!;

    public async Task InitializeAsync()
    {
        _cache.Apply(Location(), Door("front"), Door("back"), Holder("alice"), Card("card", "alice", 1, 2));
        _outbox = EventOutbox.Open(_cache.Directory.File("outbox.db"), new OutboxOptions(), _time, Logs.For<EventOutbox>());
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton(_cache.Cache);
        builder.Services.AddSingleton(_outbox);
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EventOutbox>());
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddSingleton(sp => new DoorRegistry(_cache.Cache, _outbox, _time, Logs.Factory));
        builder.Services.AddSingleton<IReaderStatusSource>(new TwoReaders());
        builder.Services.AddSingleton<RecentDecisions>();
        builder.Services.AddSingleton(new PinAttemptLimiter(new PinLimitOptions(), _time));
        _app = builder.Build();
        _app.MapStatusApi();
        _app.Services.GetRequiredService<DoorRegistry>().AddDoor(_front);
        await _app.StartAsync();
        _http.BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _http.Dispose();
        _cache.Dispose();
    }

    [Fact]
    public async Task Status_lists_the_wrong_pin_lockouts_in_force_and_the_lockdowns()
    {
        var limiter = _app.Services.GetRequiredService<PinAttemptLimiter>();
        for (var i = 0; i < 5; i++)
        {
            limiter.RecordFailure("ttyUSB0:1", null);
        }

        _cache.Apply(DoorControl([LockdownOf("l1", allDoors: true)]));

        var status = await _http.GetFromJsonAsync<JsonElement>(new Uri("/status", UriKind.Relative));

        var lockout = Assert.Single(status.GetProperty("pinLockouts").EnumerateArray());
        Assert.Equal(("reader", "ttyUSB0:1"), (lockout.GetProperty("scope").GetString(), lockout.GetProperty("id").GetString()));
        Assert.Equal("l1", Assert.Single(status.GetProperty("lockdowns").EnumerateArray()).GetProperty("lockdownId").GetString());
        Assert.True(status.GetProperty("doors")[0].GetProperty("lockdown").GetBoolean());
    }

    [Fact]
    public async Task Healthz_answers_ok_while_the_outbox_records()
    {
        var response = await _http.GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Status_shows_readers_door_alarms_cache_seq_and_outbox_depth()
    {
        await _outbox.AppendAsync(new EdgeEvent(EdgeEventKind.DoorForcedOpen, _time.GetUtcNow(), "front"), CancellationToken.None);
        _front.Raise(DoorSignalKind.ContactOpened);

        using var status = JsonDocument.Parse(await _http.GetStringAsync(new Uri("/status", UriKind.Relative)));
        var root = status.RootElement;

        Assert.Equal(5, root.GetProperty("cache").GetProperty("seq").GetInt64());
        Assert.Equal(2, root.GetProperty("cache").GetProperty("doors").GetInt32());
        Assert.Equal(_cache.Cache.CacheId, root.GetProperty("cache").GetProperty("cacheId").GetString());
        Assert.True(root.GetProperty("outbox").GetProperty("depth").GetInt64() >= 1);
        var door = Assert.Single(root.GetProperty("doors").EnumerateArray());
        Assert.Equal("front", door.GetProperty("doorId").GetString());
        Assert.Equal("forced_open", door.GetProperty("state").GetString());
        Assert.Equal(["forced_open"], door.GetProperty("alarms").EnumerateArray().Select(a => a.GetString()));
        var readers = root.GetProperty("readers").EnumerateArray().ToList();
        Assert.Equal(["r-back", "r-front"], readers.Select(r => r.GetProperty("readerId").GetString()));
        Assert.False(readers[0].GetProperty("online").GetBoolean());
        Assert.Equal(JsonValueKind.Null, readers[0].GetProperty("lastReplyAt").ValueKind);
        Assert.True(readers[1].GetProperty("online").GetBoolean());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("version").GetString()));
    }

    private sealed class TwoReaders : IReaderStatusSource
    {
        public IReadOnlyCollection<ReaderStatus> Readers { get; } =
        [
            new("r-front", "front", true, new DateTimeOffset(2025, 6, 4, 9, 59, 59, TimeSpan.Zero)),
            new("r-back", "back", false, null),
        ];
    }
}
