using Coworking.Edge.Doors;
using Coworking.Edge.Tests.Support;
using Coworking.Proto.V1;
using Microsoft.Extensions.Time.Testing;
using static Coworking.Testing.ChangeLog;

namespace Coworking.Edge.Tests.Doors;

/// <summary>A door's unlocked hours on the real cache, with the door's hardware played by a fake.</summary>
public sealed class UnlockedHoursTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly CacheBuilder _cache = new();
    private readonly FakeDoorHardware _reception = new("reception");
    private readonly RecordingRecorder _recorder = new();
    private readonly DoorRegistry _doors;
    private readonly UnlockedHours _hours;

    public UnlockedHoursTests()
    {
        _doors = new DoorRegistry(_cache.Cache, _recorder, _time, Logs.Factory);
        _doors.AddDoor(_reception);
        _hours = new UnlockedHours(_doors, _cache.Cache, new FirstPersonInState(), _time, Logs.For<UnlockedHours>());
        _cache.Apply(Location(), Holder("sam"), Card("sam-card", "sam", 12, 2002), Grant("s", "sam"));
    }

    public void Dispose()
    {
        _hours.Dispose();
        _doors.Dispose();
        _cache.Dispose();
    }

    [Theory]
    // Saturday 29 March 2025 is GMT: 08:59 UTC is 08:59 in London, 09:00 UTC is 09:00.
    [InlineData("2025-03-29T08:59:00Z", false)]
    [InlineData("2025-03-29T09:00:00Z", true)]
    // Sunday 30 March: clocks go forward at 01:00 UTC; 08:00 UTC is 09:00 BST, 15:59 UTC is 16:59 BST, 16:00 UTC is 17:00.
    [InlineData("2025-03-30T07:59:00Z", false)]
    [InlineData("2025-03-30T08:00:00Z", true)]
    [InlineData("2025-03-30T15:59:00Z", true)]
    [InlineData("2025-03-30T16:00:00Z", false)]
    // Sunday 26 October: back to GMT at 01:00 UTC; 09:00 UTC is 09:00 GMT.
    [InlineData("2025-10-26T08:59:00Z", false)]
    [InlineData("2025-10-26T09:00:00Z", true)]
    public async Task Reception_door_is_held_released_from_nine_to_five_on_the_location_clock_on_dst_days(string instant, bool released)
    {
        _cache.Apply(ControlledDoor("reception", CredentialPolicy.CardOrPin, unlockedHours: NineToFive()));
        _time.SetUtcNow(DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture));

        await _hours.ApplyAsync(CancellationToken.None);

        Assert.Equal(released, _doors.Doors.Single().HeldReleased);
        Assert.Equal(released ? ["hold released"] : [], _reception.Commands);
    }

    [Fact]
    public async Task First_person_in_door_stays_locked_until_a_staff_holder_is_granted_there_and_not_for_others()
    {
        _cache.Apply(Holder("alice"), Grant("a", "alice"), ControlledDoor("reception", CredentialPolicy.CardOrPin, firstPersonIn: true, unlockedHours: NineToFive()),
            DoorControl(staff: ["sam"]));
        _time.SetUtcNow(new DateTimeOffset(2025, 6, 4, 9, 0, 0, TimeSpan.Zero));
        await _hours.ApplyAsync(CancellationToken.None);
        var beforeStaff = _doors.Doors.Single().HeldReleased;

        _hours.NoteGranted("reception", "alice", _time.GetUtcNow());
        await _hours.ApplyAsync(CancellationToken.None);
        var afterMember = _doors.Doors.Single().HeldReleased;
        _hours.NoteGranted("reception", "sam", _time.GetUtcNow());
        await _hours.ApplyAsync(CancellationToken.None);
        var afterStaff = _doors.Doors.Single().HeldReleased;
        _time.Advance(TimeSpan.FromDays(1));
        await _hours.ApplyAsync(CancellationToken.None);

        Assert.Equal((false, false, true), (beforeStaff, afterMember, afterStaff));
        Assert.False(_doors.Doors.Single().HeldReleased);
    }

    [Fact]
    public async Task First_person_in_door_opened_by_staff_stays_open_after_an_edge_restart_and_waits_for_staff_the_next_day()
    {
        _cache.Apply(ControlledDoor("reception", CredentialPolicy.CardOrPin, firstPersonIn: true, unlockedHours: NineToFive()), DoorControl(staff: ["sam"]));
        var path = Path.Combine(_cache.Directory.Path, "first-person-in.db");
        _time.SetUtcNow(new DateTimeOffset(2025, 6, 4, 8, 30, 0, TimeSpan.Zero));
        using (var before = FirstPersonInState.Open(path))
        using (var hours = new UnlockedHours(_doors, _cache.Cache, before, _time, Logs.For<UnlockedHours>()))
        {
            hours.NoteGranted("reception", "sam", _time.GetUtcNow());
        }

        _time.Advance(TimeSpan.FromHours(1.5));
        using var restarted = FirstPersonInState.Open(path);
        using var afterRestart = new UnlockedHours(_doors, _cache.Cache, restarted, _time, Logs.For<UnlockedHours>());
        await afterRestart.ApplyAsync(CancellationToken.None);
        var openAfterRestart = _doors.Doors.Single().HeldReleased;
        _time.Advance(TimeSpan.FromDays(1));
        await afterRestart.ApplyAsync(CancellationToken.None);

        Assert.True(openAfterRestart);
        Assert.False(_doors.Doors.Single().HeldReleased);
    }

    [Fact]
    public async Task Lockdown_ends_the_unlocked_hours_at_once_and_lifting_it_brings_them_back()
    {
        _cache.Apply(ControlledDoor("reception", CredentialPolicy.CardOrPin, areaId: "lobby", unlockedHours: NineToFive()));
        _time.SetUtcNow(new DateTimeOffset(2025, 6, 4, 10, 0, 0, TimeSpan.Zero));
        await _hours.ApplyAsync(CancellationToken.None);

        _cache.Apply(DoorControl([LockdownOf("l1", areas: ["lobby"])]));
        await _hours.ApplyAsync(CancellationToken.None);
        var duringLockdown = _doors.Doors.Single().HeldReleased;
        _cache.Apply(DoorControl());
        await _hours.ApplyAsync(CancellationToken.None);

        Assert.False(duringLockdown);
        Assert.Equal(["hold released", "secure", "hold released"], _reception.Commands);
    }

    [Fact]
    public async Task Door_closing_inside_its_unlocked_hours_keeps_the_strike_released_and_is_never_held_open()
    {
        _cache.Apply(ControlledDoor("reception", CredentialPolicy.CardOrPin, unlockedHours: NineToFive()));
        _time.SetUtcNow(new DateTimeOffset(2025, 6, 4, 10, 0, 0, TimeSpan.Zero));
        await _hours.ApplyAsync(CancellationToken.None);
        var door = _doors.Doors.Single();

        _reception.Raise(DoorSignalKind.ContactOpened);
        _time.Advance(TimeSpan.FromMinutes(10));
        var stateOpen = door.State;
        _reception.Raise(DoorSignalKind.ContactClosed);

        Assert.Equal(DoorState.Open, stateOpen);
        Assert.Equal(DoorState.Unlocked, door.State);
        Assert.Equal(["hold released"], _reception.Commands);
    }

    private static WeeklyWindow[] NineToFive() => [.. Enum.GetValues<DayOfWeek>().Select(d => Window(d, 9, 0, 17, 0))];
}
