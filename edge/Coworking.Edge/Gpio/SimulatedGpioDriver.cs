using System.Device.Gpio;

namespace Coworking.Edge.Gpio;

/// <summary>
/// A GPIO chip in memory: outputs keep what was written, inputs take what <see cref="SetInput"/>
/// says and raise the registered edge callbacks, as libgpiod would. For tests, and for running an
/// edge with GPIO doors on a machine without a header.
/// </summary>
public sealed class SimulatedGpioDriver : GpioDriver
{
    private readonly Lock _sync = new();
    private readonly Dictionary<int, Pin> _pins = [];

    protected override int PinCount => 64;

    /// <summary>Drives an input pin to a level, as the wiring outside would.</summary>
    public void SetInput(int pinNumber, PinValue value)
    {
        PinChangeEventHandler[] notify;
        PinEventTypes change;
        lock (_sync)
        {
            var pin = PinOf(pinNumber);
            if (pin.Value == value)
            {
                return;
            }

            pin.Value = value;
            change = value == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
            notify = [.. pin.Callbacks.Where(c => (c.Types & change) != 0).Select(c => c.Handler)];
            pin.Changed.TrySetResult(change);
            pin.Changed = new TaskCompletionSource<PinEventTypes>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        foreach (var handler in notify)
        {
            handler(this, new PinValueChangedEventArgs(change, pinNumber));
        }
    }

    /// <summary>The level an output pin was last driven to.</summary>
    public PinValue LevelOf(int pinNumber)
    {
        lock (_sync)
        {
            return PinOf(pinNumber).Value;
        }
    }

    protected override void OpenPin(int pinNumber)
    {
        lock (_sync)
        {
            PinOf(pinNumber);
        }
    }

    protected override void ClosePin(int pinNumber)
    {
        lock (_sync)
        {
            _pins.Remove(pinNumber);
        }
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        lock (_sync)
        {
            var pin = PinOf(pinNumber);
            pin.Mode = mode;
            if (mode == PinMode.InputPullUp)
            {
                pin.Value = PinValue.High;
            }
        }
    }

    protected override PinMode GetPinMode(int pinNumber)
    {
        lock (_sync)
        {
            return PinOf(pinNumber).Mode;
        }
    }

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) =>
        mode is PinMode.Input or PinMode.Output or PinMode.InputPullUp or PinMode.InputPullDown;

    protected override PinValue Read(int pinNumber) => LevelOf(pinNumber);

    protected override void Write(int pinNumber, PinValue value)
    {
        lock (_sync)
        {
            PinOf(pinNumber).Value = value;
        }
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task<PinEventTypes> changed;
            lock (_sync)
            {
                changed = PinOf(pinNumber).Changed.Task;
            }

            try
            {
                var type = changed.WaitAsync(cancellationToken).GetAwaiter().GetResult();
                if ((type & eventTypes) != 0)
                {
                    return new WaitForEventResult { EventTypes = type, TimedOut = false };
                }
            }
            catch (OperationCanceledException)
            {
                return new WaitForEventResult { EventTypes = PinEventTypes.None, TimedOut = true };
            }
        }
    }

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        lock (_sync)
        {
            PinOf(pinNumber).Callbacks.Add((eventTypes, callback));
        }
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_sync)
        {
            PinOf(pinNumber).Callbacks.RemoveAll(c => c.Handler == callback);
        }
    }

    private Pin PinOf(int pinNumber)
    {
        if (!_pins.TryGetValue(pinNumber, out var pin))
        {
            pin = new Pin();
            _pins[pinNumber] = pin;
        }

        return pin;
    }

    private sealed class Pin
    {
        public PinMode Mode { get; set; } = PinMode.Input;

        public PinValue Value { get; set; } = PinValue.Low;

        public List<(PinEventTypes Types, PinChangeEventHandler Handler)> Callbacks { get; } = [];

        public TaskCompletionSource<PinEventTypes> Changed { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
