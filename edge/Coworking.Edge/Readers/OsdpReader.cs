using Coworking.Edge.Doors;
using Coworking.Edge.Osdp.Commands;
using Coworking.Edge.Osdp.ControlPanel;

namespace Coworking.Edge.Readers;

/// <summary>
/// One OSDP reader as the door logic sees it: its LED and buzzer show decisions, and — for the first reader of
/// each door on the edge — its output 0 drives the strike while input 0 (door contact, active = open) and
/// input 1 (request-to-exit, active = pressed) drive the door state.
/// </summary>
public sealed class OsdpReader(OsdpBus bus, string portName, OsdpReaderOptions options, ILogger log) : IDoorHardware, IReaderFeedback
{
    public const int StrikeOutput = 0;
    public const int ContactInput = 0;
    public const int RexInput = 1;

    private static readonly TimeSpan ShortBeep = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongBeep = TimeSpan.FromMilliseconds(1000);
    private static readonly TimeSpan DeniedLed = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxGrantedLed = TimeSpan.FromSeconds(10);

    private readonly Lock _sync = new();
    private bool? _contactOpen;
    private bool _rexPressed;

    /// <summary>How long the LED stays green after a grant: the door's unlock time, set by the reader service.</summary>
    public Func<TimeSpan> GrantedLedTime { get; init; } = () => TimeSpan.FromSeconds(3);

    /// <summary>How long the LED stays amber while the reader waits for a PIN after a card.</summary>
    public TimeSpan PinEntryTime { get; init; } = TimeSpan.FromSeconds(15);

    public byte Address => options.Address;

    public string DoorId => options.DoorId;

    /// <summary>Port basename and address, e.g. "ttyUSB0:1": what an installer reads on the wiring plan.</summary>
    public string ReaderId { get; } = $"{Path.GetFileName(portName)}:{options.Address}";

    public bool? ContactOpen
    {
        get
        {
            lock (_sync)
            {
                return _contactOpen;
            }
        }
    }

    public event EventHandler<DoorSignal>? SignalReceived;

    public Task ReleaseAsync(TimeSpan duration, CancellationToken cancellationToken) =>
        CheckAsync(bus.PulseOutputAsync(Address, StrikeOutput, duration, cancellationToken), "strike pulse");

    public async Task<bool> ReleaseConfirmedAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var result = await bus.PulseOutputAsync(Address, StrikeOutput, duration, cancellationToken).ConfigureAwait(false);
        if (result != OsdpCommandResult.Acknowledged)
        {
            log.LogWarning("Reader {ReaderId} at door {DoorId} did not take the strike pulse: {Result}", ReaderId, DoorId, result);
        }

        return result == OsdpCommandResult.Acknowledged;
    }

    public Task HoldReleasedAsync(CancellationToken cancellationToken) =>
        CheckAsync(bus.SetOutputAsync(Address, StrikeOutput, true, cancellationToken), "strike release");

    public Task SecureAsync(CancellationToken cancellationToken) =>
        CheckAsync(bus.SetOutputAsync(Address, StrikeOutput, false, cancellationToken), "strike secure");

    public Task ShowAsync(ReaderSignal signal, CancellationToken cancellationToken)
    {
        var (color, led, beep, beeps) = signal switch
        {
            ReaderSignal.Granted => (LedColor.Green, Clamp(GrantedLedTime()), ShortBeep, 1),
            ReaderSignal.PinRequired => (LedColor.Amber, PinEntryTime, ShortBeep, 2),
            _ => (LedColor.Red, DeniedLed, LongBeep, 1),
        };
        return Task.WhenAll(
            CheckAsync(bus.SetLedAsync(Address, color, led, cancellationToken), "LED"),
            CheckAsync(bus.BuzzAsync(Address, beep, beeps, cancellationToken), "buzzer"));
    }

    /// <summary>
    /// Turns an input report into door signals. A contact first seen open (reader just online) counts as an
    /// opening, so a door propped open while the edge could not see it raises its alarm; first seen closed is
    /// the normal state and says nothing.
    /// </summary>
    public void OnInput(int input, bool active)
    {
        DoorSignal? signal = null;
        lock (_sync)
        {
            if (input == ContactInput && _contactOpen != active)
            {
                var wasKnown = _contactOpen is not null;
                _contactOpen = active;
                if (active)
                {
                    signal = new DoorSignal(DoorSignalKind.ContactOpened);
                }
                else if (wasKnown)
                {
                    signal = new DoorSignal(DoorSignalKind.ContactClosed);
                }
            }
            else if (input == RexInput)
            {
                if (active && !_rexPressed)
                {
                    signal = new DoorSignal(DoorSignalKind.RequestToExit);
                }

                _rexPressed = active;
            }
        }

        if (signal is not null)
        {
            SignalReceived?.Invoke(this, signal);
        }
    }

    private static TimeSpan Clamp(TimeSpan led) => led <= TimeSpan.Zero ? TimeSpan.FromSeconds(1) : led > MaxGrantedLed ? MaxGrantedLed : led;

    /// <summary>
    /// A reader that is offline or refuses a command cannot be helped by retrying here: the door logic goes on,
    /// the reader's state is on /status, and the problem is logged with the reader.
    /// </summary>
    private async Task CheckAsync(Task<OsdpCommandResult> command, string what)
    {
        switch (await command.ConfigureAwait(false))
        {
            case OsdpCommandResult.Rejected:
                log.LogWarning("Reader {ReaderId} at door {DoorId} refused the {Command} command", ReaderId, DoorId, what);
                break;
            case OsdpCommandResult.Offline:
                log.LogDebug("Reader {ReaderId} at door {DoorId} is offline: {Command} not sent", ReaderId, DoorId, what);
                break;
        }
    }
}
