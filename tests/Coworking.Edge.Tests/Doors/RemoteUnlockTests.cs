using Coworking.Edge.Doors;
using Coworking.Edge.Outbox;
using Coworking.Edge.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using static Coworking.Testing.ChangeLog;

namespace Coworking.Edge.Tests.Doors;

public sealed class RemoteUnlockTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 4, 10, 0, 0, TimeSpan.Zero));
    private readonly CacheBuilder _cache = new();
    private readonly FakeDoorHardware _front = new("front");
    private readonly RecordingRecorder _recorder = new();
    private readonly DoorRegistry _doors;
    private readonly RemoteUnlock _unlock;

    public RemoteUnlockTests()
    {
        _cache.Apply(Location(), Door("front"));
        _doors = new DoorRegistry(_cache.Cache, _recorder, _time, Logs.Factory);
        _doors.AddDoor(_front);
        _unlock = new RemoteUnlock(_doors, _recorder, _time, Logs.For<RemoteUnlock>());
    }

    public void Dispose()
    {
        _doors.Dispose();
        _cache.Dispose();
    }

    [Fact]
    public async Task Remote_unlock_releases_the_strike_for_the_time_asked_and_records_who_asked()
    {
        var outcome = await _unlock.HandleAsync("cmd-1", "front", TimeSpan.FromSeconds(4), "api_key:k1", _time.GetUtcNow().AddSeconds(5), CancellationToken.None);

        Assert.Equal(RemoteUnlockOutcome.Unlocked, outcome);
        Assert.Equal(["release 4000ms"], _front.Commands);
        Assert.Equal(DoorState.Unlocked, _doors.Doors.Single().State);
        var recorded = Assert.Single(_recorder.Events);
        Assert.Equal((EdgeEventKind.RemoteUnlock, "api_key:k1", "cmd-1", "unlocked"), (recorded.Kind, recorded.Actor, recorded.CommandId, recorded.Detail));
    }

    [Fact]
    public async Task Command_for_a_door_without_hardware_here_or_one_that_expired_on_the_way_moves_nothing()
    {
        var elsewhere = await _unlock.HandleAsync("cmd-2", "lab", TimeSpan.FromSeconds(4), "api_key:k1", null, CancellationToken.None);
        var late = await _unlock.HandleAsync("cmd-3", "front", TimeSpan.FromSeconds(4), "api_key:k1", _time.GetUtcNow().AddSeconds(-1), CancellationToken.None);

        Assert.Equal((RemoteUnlockOutcome.UnknownDoor, RemoteUnlockOutcome.Expired), (elsewhere, late));
        Assert.Empty(_front.Commands);
        Assert.Equal("expired", Assert.Single(_recorder.Events).Detail);
    }
}
