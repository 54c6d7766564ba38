using System.Device.Gpio;
using Coworking.Edge.Configuration;
using Coworking.Edge.Doors;
using Microsoft.Extensions.Logging;

namespace Coworking.Edge.Gpio;

/// <summary>
/// A door wired to the edge box: a relay output for the strike, and optional door contact and
/// request-to-exit inputs, debounced with <see cref="TimeProvider"/> timers (an input counts once it
/// has held its new level for the debounce time).
/// </summary>
public sealed class GpioDoorHardware : IDoorHardware, IDisposable
{
    private readonly GpioController _gpio;
    private readonly GpioDoorOptions _options;
    private readonly ILogger _log;
    private readonly Lock _sync = new();
    private readonly ITimer _pulseEnd;
    private readonly Input? _contact;
    private readonly Input? _rex;

    /// <param name="failSafe">The state the strike takes from power-up until the edge takes control of the door.</param>
    public GpioDoorHardware(GpioController gpio, GpioDoorOptions options, bool failSafe, TimeProvider time, ILogger log)
    {
        _gpio = gpio;
        _options = options;
        _log = log;
        _gpio.OpenPin(options.StrikePin, PinMode.Output, StrikeLevel(released: failSafe));
        _pulseEnd = time.CreateTimer(_ => Drive(released: false), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        var debounce = TimeSpan.FromMilliseconds(Math.Max(0, options.DebounceMs));
        if (options.ContactPin is { } contactPin)
        {
            _contact = new Input(this, contactPin, activeHigh: options.ContactOpenHigh, debounce, time, OnContact);
        }

        if (options.RexPin is { } rexPin)
        {
            _rex = new Input(this, rexPin, activeHigh: options.RexActiveHigh, debounce, time, OnRex);
        }

        _log.LogInformation("GPIO door {DoorId}: strike pin {Strike}, contact pin {Contact}, REX pin {Rex}, power-up {State}",
            DoorId, options.StrikePin, options.ContactPin, options.RexPin, failSafe ? "released (fail-safe)" : "secured (fail-secure)");
    }

    public event EventHandler<DoorSignal>? SignalReceived;

    public string DoorId => _options.DoorId;

    public bool? ContactOpen => _contact?.Active;

    public Task ReleaseAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            Drive(released: true);
            _pulseEnd.Change(duration, Timeout.InfiniteTimeSpan);
        }

        return Task.CompletedTask;
    }

    public Task HoldReleasedAsync(CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            _pulseEnd.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            Drive(released: true);
        }

        return Task.CompletedTask;
    }

    public Task SecureAsync(CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            _pulseEnd.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            Drive(released: false);
        }

        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _pulseEnd.Dispose();
        _contact?.Dispose();
        _rex?.Dispose();
    }

    private PinValue StrikeLevel(bool released) => released == _options.StrikeActiveHigh ? PinValue.High : PinValue.Low;

    private void Drive(bool released)
    {
        lock (_sync)
        {
            _gpio.Write(_options.StrikePin, StrikeLevel(released));
        }
    }

    private void OnContact(bool open) =>
        SignalReceived?.Invoke(this, new DoorSignal(open ? DoorSignalKind.ContactOpened : DoorSignalKind.ContactClosed));

    private void OnRex(bool pressed)
    {
        if (pressed)
        {
            SignalReceived?.Invoke(this, new DoorSignal(DoorSignalKind.RequestToExit));
        }
    }

    /// <summary>One debounced input: a change re-arms the timer; when it fires, the level read then counts.</summary>
    private sealed class Input : IDisposable
    {
        private readonly GpioDoorHardware _owner;
        private readonly int _pin;
        private readonly bool _activeHigh;
        private readonly TimeSpan _debounce;
        private readonly Action<bool> _changed;
        private readonly ITimer _settle;
        private readonly PinChangeEventHandler _onEdge;
        private bool _active;

        public Input(GpioDoorHardware owner, int pin, bool activeHigh, TimeSpan debounce, TimeProvider time, Action<bool> changed)
        {
            _owner = owner;
            _pin = pin;
            _activeHigh = activeHigh;
            _debounce = debounce;
            _changed = changed;
            var gpio = owner._gpio;
            var mode = !activeHigh && gpio.IsPinModeSupported(pin, PinMode.InputPullUp) ? PinMode.InputPullUp : PinMode.Input;
            gpio.OpenPin(pin, mode);
            _active = Read();
            _settle = time.CreateTimer(_ => Settle(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _onEdge = (_, _) => _settle.Change(_debounce, Timeout.InfiniteTimeSpan);
            gpio.RegisterCallbackForPinValueChangedEvent(pin, PinEventTypes.Rising | PinEventTypes.Falling, _onEdge);
        }

        public bool Active
        {
            get
            {
                lock (_owner._sync)
                {
                    return _active;
                }
            }
        }

        public void Dispose()
        {
            _owner._gpio.UnregisterCallbackForPinValueChangedEvent(_pin, _onEdge);
            _settle.Dispose();
        }

        private bool Read()
        {
            lock (_owner._sync)
            {
                return (_owner._gpio.Read(_pin) == PinValue.High) == _activeHigh;
            }
        }

        private void Settle()
        {
            var level = Read();
            lock (_owner._sync)
            {
                if (level == _active)
                {
                    return;
                }

                _active = level;
            }

            _changed(level);
        }
    }
}
