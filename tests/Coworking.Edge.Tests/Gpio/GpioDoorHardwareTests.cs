using System.Device.Gpio;
using Coworking.Edge.Cache;
using Coworking.Edge.Configuration;
using Coworking.Edge.Doors;
using Coworking.Edge.Gpio;
using Coworking.Edge.Outbox;
using Coworking.Edge.Tests.Support;
using Coworking.Proto.V1;
using Microsoft.Extensions.Time.Testing;

namespace Coworking.Edge.Tests.Gpio;

public sealed class GpioDoorHardwareTests : IDisposable
{
    private const int Strike = 17;
    private const int Contact = 27;
    private const int Rex = 22;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 4, 10, 0, 0, TimeSpan.Zero));
    private readonly SimulatedGpioDriver _driver = new();
    private readonly GpioController _gpio;
    private readonly List<DoorSignalKind> _signals = [];

    public GpioDoorHardwareTests()
    {
        _gpio = new GpioController(_driver);
    }

    public void Dispose() => _gpio.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Release_drives_the_relay_for_the_unlock_time_then_secures(bool activeHigh)
    {
        using var door = Open(new GpioDoorOptions { DoorId = "front", StrikePin = Strike, StrikeActiveHigh = activeHigh });
        var released = activeHigh ? PinValue.High : PinValue.Low;
        var secured = activeHigh ? PinValue.Low : PinValue.High;
        var atStart = _driver.LevelOf(Strike);

        await door.ReleaseAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        var during = _driver.LevelOf(Strike);
        _time.Advance(TimeSpan.FromMilliseconds(4999));
        var justBefore = _driver.LevelOf(Strike);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal([secured, released, released, secured], [atStart, during, justBefore, _driver.LevelOf(Strike)]);
    }

    [Fact]
    public async Task Secure_ends_a_release_early_and_hold_keeps_it_released()
    {
        using var door = Open(new GpioDoorOptions { DoorId = "front", StrikePin = Strike });

        await door.ReleaseAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        await door.SecureAsync(CancellationToken.None);
        var afterSecure = _driver.LevelOf(Strike);
        await door.ReleaseAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        await door.HoldReleasedAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(PinValue.Low, afterSecure);
        Assert.Equal(PinValue.High, _driver.LevelOf(Strike));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void Strike_powers_up_in_the_doors_fail_mode(bool failSafe, bool released)
    {
        using var door = Open(new GpioDoorOptions { DoorId = "front", StrikePin = Strike }, failSafe);

        Assert.Equal(released ? PinValue.High : PinValue.Low, _driver.LevelOf(Strike));
    }

    [Fact]
    public void Contact_change_counts_once_it_held_for_the_debounce_time()
    {
        using var door = Open(new GpioDoorOptions { DoorId = "front", StrikePin = Strike, ContactPin = Contact, ContactOpenHigh = true, DebounceMs = 50 });

        _driver.SetInput(Contact, PinValue.High);
        _time.Advance(TimeSpan.FromMilliseconds(49));
        var beforeDebounce = door.ContactOpen;
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.False(beforeDebounce);
        Assert.True(door.ContactOpen);
        Assert.Equal([DoorSignalKind.ContactOpened], _signals);
    }

    [Fact]
    public void Contact_bounce_shorter_than_the_debounce_time_is_ignored()
    {
        using var door = Open(new GpioDoorOptions { DoorId = "front", StrikePin = Strike, ContactPin = Contact, DebounceMs = 50 });

        for (var i = 0; i < 5; i++)
        {
            _driver.SetInput(Contact, PinValue.High);
            _time.Advance(TimeSpan.FromMilliseconds(10));
            _driver.SetInput(Contact, PinValue.Low);
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Empty(_signals);
        Assert.False(door.ContactOpen);
    }

    [Fact]
    public void Rex_button_pulling_the_line_low_is_a_request_to_exit_once_per_press()
    {
        using var door = Open(new GpioDoorOptions { DoorId = "front", StrikePin = Strike, RexPin = Rex, RexActiveHigh = false, DebounceMs = 20 });

        _driver.SetInput(Rex, PinValue.Low);
        _time.Advance(TimeSpan.FromMilliseconds(20));
        _driver.SetInput(Rex, PinValue.High);
        _time.Advance(TimeSpan.FromMilliseconds(20));

        Assert.Equal([DoorSignalKind.RequestToExit], _signals);
    }

    [Fact]
    public async Task Gpio_door_opened_by_hand_is_forced_open_and_after_rex_is_not()
    {
        var recorder = new RecordingRecorder();
        var options = new GpioDoorOptions { DoorId = "front", StrikePin = Strike, ContactPin = Contact, RexPin = Rex, DebounceMs = 20 };
        using var hardware = Open(options);
        using var door = new Door(hardware, () => DoorPolicy.Unknown("front"), recorder, _time, Logs.For<Door>());
        await door.StartAsync(CancellationToken.None);

        Toggle(Contact, PinValue.High);
        var forced = door.State;
        Toggle(Contact, PinValue.Low);
        Toggle(Rex, PinValue.Low);
        var strikeAfterRex = _driver.LevelOf(Strike);
        Toggle(Rex, PinValue.High);
        Toggle(Contact, PinValue.High);

        Assert.Equal(DoorState.ForcedOpen, forced);
        Assert.Equal(PinValue.High, strikeAfterRex);
        Assert.Equal(DoorState.Open, door.State);
        Assert.Equal(
            [EdgeEventKind.DoorForcedOpen, EdgeEventKind.DoorClosed, EdgeEventKind.RequestToExit, EdgeEventKind.DoorOpened],
            recorder.Kinds);
    }

    [Fact]
    public async Task Gpio_doors_start_in_the_cached_fail_mode_and_are_secured_when_the_edge_takes_control()
    {
        using var cache = new CacheBuilder();
        cache.Apply(ChangeLog.Location(), ChangeLog.Door("exit", failMode: FailMode.Safe));
        using var registry = new DoorRegistry(cache.Cache, new RecordingRecorder(), _time, Logs.Factory);
        var simulated = new SimulatedGpioDriver();
        var options = new GpioOptions { Driver = "simulated", Doors = [new GpioDoorOptions { DoorId = "exit", StrikePin = Strike }] };
        using var gpioDoors = new GpioDoors(options, () => new GpioController(simulated), registry, cache.Cache, _time, Logs.Factory);
        var control = new DoorControlService(registry, Logs.For<DoorControlService>());

        await gpioDoors.StartAsync(CancellationToken.None);
        var atPowerUp = simulated.LevelOf(Strike);
        await control.StartAsync(CancellationToken.None);
        var inControl = simulated.LevelOf(Strike);
        await control.StopAsync(CancellationToken.None);

        Assert.Equal([PinValue.High, PinValue.Low, PinValue.High], [atPowerUp, inControl, simulated.LevelOf(Strike)]);
    }

    private void Toggle(int pin, PinValue value)
    {
        _driver.SetInput(pin, value);
        _time.Advance(TimeSpan.FromMilliseconds(20));
    }

    private GpioDoorHardware Open(GpioDoorOptions options, bool failSafe = false)
    {
        var hardware = new GpioDoorHardware(_gpio, options, failSafe, _time, Logs.For<GpioDoorHardware>());
        hardware.SignalReceived += (_, signal) => _signals.Add(signal.Kind);
        return hardware;
    }
}
