using Coworking.Edge.Cache;
using Coworking.Edge.Doors;
using Coworking.Edge.Outbox;
using Coworking.Edge.Tests.Support;
using Coworking.Proto.V1;
using Microsoft.Extensions.Time.Testing;

namespace Coworking.Edge.Tests.Doors;

public sealed class DoorTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 4, 10, 0, 0, TimeSpan.Zero));
    private readonly FakeDoorHardware _hardware = new("front");
    private readonly RecordingRecorder _recorder = new();
    private DoorPolicy _policy = DoorPolicy.Unknown("front") with { UnlockDuration = TimeSpan.FromSeconds(5), HeldOpenLimit = TimeSpan.FromSeconds(30) };
    private readonly Door _door;

    public DoorTests()
    {
        _door = new Door(_hardware, () => _policy, _recorder, _time, Logs.For<Door>());
    }

    public void Dispose() => _door.Dispose();

    [Fact]
    public async Task Grant_releases_the_strike_and_opening_within_it_is_no_alarm()
    {
        await _door.UnlockForGrantAsync(CancellationToken.None);
        var unlocked = _door.State;
        _time.Advance(TimeSpan.FromSeconds(2));
        _hardware.Raise(DoorSignalKind.ContactOpened);

        Assert.Equal(DoorState.Unlocked, unlocked);
        Assert.Equal(["release 5000ms"], _hardware.Commands);
        Assert.Equal(DoorState.Open, _door.State);
        Assert.False(_door.InAlarm);
        Assert.Equal([EdgeEventKind.DoorOpened], _recorder.Kinds);
    }

    [Fact]
    public async Task Door_standing_open_past_its_limit_raises_held_open_and_closing_clears_it()
    {
        await _door.UnlockForGrantAsync(CancellationToken.None);
        _hardware.Raise(DoorSignalKind.ContactOpened);

        _time.Advance(TimeSpan.FromSeconds(29));
        var beforeLimit = _door.State;
        _time.Advance(TimeSpan.FromSeconds(1));
        var atLimit = _door.State;
        _hardware.Raise(DoorSignalKind.ContactClosed);

        Assert.Equal(DoorState.Open, beforeLimit);
        Assert.Equal(DoorState.HeldOpen, atLimit);
        Assert.Equal(DoorState.Closed, _door.State);
        Assert.Equal([EdgeEventKind.DoorOpened, EdgeEventKind.DoorHeldOpen, EdgeEventKind.DoorClosed], _recorder.Kinds);
        Assert.Equal("secure", _hardware.Commands[^1]);
    }

    [Fact]
    public void Door_opened_without_grant_or_exit_request_is_forced_open()
    {
        _hardware.Raise(DoorSignalKind.ContactOpened);

        Assert.Equal(DoorState.ForcedOpen, _door.State);
        Assert.True(_door.InAlarm);
        Assert.Equal([EdgeEventKind.DoorForcedOpen], _recorder.Kinds);
    }

    [Fact]
    public async Task Door_opened_after_the_unlock_time_ran_out_is_forced_open()
    {
        await _door.UnlockForGrantAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(5));
        var relocked = _door.State;

        _hardware.Raise(DoorSignalKind.ContactOpened);

        Assert.Equal(DoorState.Closed, relocked);
        Assert.Equal(DoorState.ForcedOpen, _door.State);
    }

    [Fact]
    public void Exit_request_releases_the_strike_and_lets_the_door_open_without_alarm()
    {
        _hardware.Raise(DoorSignalKind.RequestToExit);
        _hardware.Raise(DoorSignalKind.ContactOpened);

        Assert.Equal(DoorState.Open, _door.State);
        Assert.Equal(["release 5000ms"], _hardware.Commands);
        Assert.Equal([EdgeEventKind.RequestToExit, EdgeEventKind.DoorOpened], _recorder.Kinds);
    }

    [Fact]
    public void Closing_a_forced_door_ends_the_alarm_and_is_recorded()
    {
        _hardware.Raise(DoorSignalKind.ContactOpened);
        _hardware.Raise(DoorSignalKind.ContactClosed);

        Assert.Equal(DoorState.Closed, _door.State);
        Assert.Equal([EdgeEventKind.DoorForcedOpen, EdgeEventKind.DoorClosed], _recorder.Kinds);
    }

    [Fact]
    public async Task Door_found_open_at_start_is_not_an_alarm_until_its_limit()
    {
        _hardware.ContactOpen = true;

        await _door.StartAsync(CancellationToken.None);
        var atStart = _door.State;
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(DoorState.Open, atStart);
        Assert.Equal(DoorState.HeldOpen, _door.State);
        Assert.Equal(["secure"], _hardware.Commands);
    }

    [Theory]
    [InlineData(FailMode.Safe, "hold released")]
    [InlineData(FailMode.Secure, "secure")]
    [InlineData(FailMode.Unspecified, "secure")]
    public async Task Stopping_edge_leaves_the_door_in_its_fail_mode(FailMode mode, string command)
    {
        _policy = _policy with { FailMode = mode };

        await _door.ApplyFailModeAsync(CancellationToken.None);

        Assert.Equal([command], _hardware.Commands);
    }

    [Fact]
    public async Task Door_control_takes_every_door_at_start_and_applies_fail_modes_at_stop()
    {
        using var cache = new CacheBuilder();
        cache.Apply(ChangeLog.Location(), ChangeLog.Door("safe", failMode: FailMode.Safe), ChangeLog.Door("secure", failMode: FailMode.Secure));
        using var registry = new DoorRegistry(cache.Cache, _recorder, _time, Logs.Factory);
        var safe = new FakeDoorHardware("safe");
        var secure = new FakeDoorHardware("secure");
        var unknown = new FakeDoorHardware("not-in-cache");
        registry.AddDoor(safe);
        registry.AddDoor(secure);
        registry.AddDoor(unknown);
        var control = new DoorControlService(registry, Logs.For<DoorControlService>());

        await control.StartAsync(CancellationToken.None);
        await control.StopAsync(CancellationToken.None);

        Assert.Equal(["secure", "hold released"], safe.Commands);
        Assert.Equal(["secure", "secure"], secure.Commands);
        Assert.Equal(["secure", "secure"], unknown.Commands);
    }
}
