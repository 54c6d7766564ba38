using Coworking.Edge.Cache;
using Coworking.Edge.Outbox;
using Microsoft.Extensions.Logging;

namespace Coworking.Edge.Doors;

public enum DoorState
{
    /// <summary>Closed and secured.</summary>
    Closed,

    /// <summary>Strike released after a grant or exit request; the door has not opened yet.</summary>
    Unlocked,

    /// <summary>Open after a grant or exit request, within its held-open limit.</summary>
    Open,

    /// <summary>Alarm: open longer than the door's limit after a grant or exit request.</summary>
    HeldOpen,

    /// <summary>Alarm: opened with no grant and no request-to-exit.</summary>
    ForcedOpen,
}

/// <summary>
/// One door's state machine, driven by its hardware's inputs, by grants, and by timers from
/// <see cref="TimeProvider"/>. Transitions happen under a lock; hardware commands and event records
/// are issued after it. Every state change worth an operator's attention goes to the outbox.
/// </summary>
public sealed class Door : IDisposable
{
    private readonly IDoorHardware _hardware;
    private readonly Func<DoorPolicy> _policy;
    private readonly IEventRecorder _recorder;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Lock _sync = new();
    private readonly ITimer _relockTimer;
    private readonly ITimer _heldOpenTimer;
    private DoorState _state = DoorState.Closed;
    private DateTimeOffset _stateSince;
    private DateTimeOffset _authorizedUntil = DateTimeOffset.MinValue;
    private bool _heldReleased;

    public Door(IDoorHardware hardware, Func<DoorPolicy> policy, IEventRecorder recorder, TimeProvider time, ILogger log)
    {
        _hardware = hardware;
        _policy = policy;
        _recorder = recorder;
        _time = time;
        _log = log;
        _stateSince = time.GetUtcNow();
        _relockTimer = time.CreateTimer(_ => OnRelockDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _heldOpenTimer = time.CreateTimer(_ => OnHeldOpenDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        hardware.SignalReceived += OnSignal;
    }

    public string DoorId => _hardware.DoorId;

    public DoorState State
    {
        get
        {
            lock (_sync)
            {
                return _state;
            }
        }
    }

    public DateTimeOffset StateSince
    {
        get
        {
            lock (_sync)
            {
                return _stateSince;
            }
        }
    }

    public bool InAlarm => State is DoorState.HeldOpen or DoorState.ForcedOpen;

    /// <summary>The strike is held released for the door's unlocked hours.</summary>
    public bool HeldReleased
    {
        get
        {
            lock (_sync)
            {
                return _heldReleased;
            }
        }
    }

    /// <summary>
    /// Takes control at start-up: a door found open counts as opened legitimately (nobody can know
    /// otherwise) and gets its held-open limit; then the strike is secured for normal operation.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            if (_hardware.ContactOpen == true)
            {
                MoveTo(DoorState.Open);
                _heldOpenTimer.Change(_policy().HeldOpenLimit, Timeout.InfiniteTimeSpan);
            }
        }

        return _hardware.SecureAsync(cancellationToken);
    }

    /// <summary>On edge stop: fail-safe doors are left released, every other door secured.</summary>
    public Task ApplyFailModeAsync(CancellationToken cancellationToken)
    {
        var failSafe = _policy().FailSafe;
        _log.LogInformation("Door {DoorId} left {Mode} as the edge stops", DoorId, failSafe ? "released (fail-safe)" : "secured (fail-secure)");
        return failSafe ? _hardware.HoldReleasedAsync(cancellationToken) : _hardware.SecureAsync(cancellationToken);
    }

    /// <summary>Admits someone after a grant: the door may open for its unlock time.</summary>
    public Task UnlockForGrantAsync(CancellationToken cancellationToken)
    {
        var unlock = Authorize(_policy().UnlockDuration);
        return HeldReleased ? Task.CompletedTask : _hardware.ReleaseAsync(unlock, cancellationToken);
    }

    /// <summary>
    /// An operator's remote unlock for <paramref name="duration"/>; answers whether the strike is released (the lock
    /// took the command, or the door's unlocked hours hold it released already).
    /// </summary>
    public Task<bool> UnlockRemotelyAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var unlock = Authorize(duration);
        return HeldReleased ? Task.FromResult(true) : _hardware.ReleaseConfirmedAsync(unlock, cancellationToken);
    }

    /// <summary>
    /// Holds the strike released for the door's unlocked hours, or ends that; false when it was so already. An ended
    /// unlock secures the strike at once unless the door stands open, which then gets its held-open limit.
    /// </summary>
    public async Task<bool> SetHeldReleasedAsync(bool released, CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            if (_heldReleased == released)
            {
                return false;
            }

            _heldReleased = released;
            if (released)
            {
                if (_state == DoorState.Closed)
                {
                    MoveTo(DoorState.Unlocked);
                }

                _heldOpenTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _relockTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
            else if (_state == DoorState.Unlocked)
            {
                MoveTo(DoorState.Closed);
            }
            else if (_state == DoorState.Open)
            {
                _heldOpenTimer.Change(_policy().HeldOpenLimit, Timeout.InfiniteTimeSpan);
            }
        }

        _log.LogInformation("Door {DoorId}: unlocked hours {Change}", DoorId, released ? "began, strike held released" : "ended, strike secured");
        Record(released ? EdgeEventKind.DoorUnlockedBySchedule : EdgeEventKind.DoorLockedBySchedule);
        await (released ? _hardware.HoldReleasedAsync(cancellationToken) : _hardware.SecureAsync(cancellationToken)).ConfigureAwait(false);
        return true;
    }

    public void Dispose()
    {
        _hardware.SignalReceived -= OnSignal;
        _relockTimer.Dispose();
        _heldOpenTimer.Dispose();
    }

    private TimeSpan Authorize(TimeSpan unlock)
    {
        lock (_sync)
        {
            _authorizedUntil = _time.GetUtcNow() + unlock;
            if (_state == DoorState.Closed)
            {
                MoveTo(DoorState.Unlocked);
            }

            _relockTimer.Change(unlock, Timeout.InfiniteTimeSpan);
        }

        return unlock;
    }

    private void OnSignal(object? sender, DoorSignal signal)
    {
        switch (signal.Kind)
        {
            case DoorSignalKind.ContactOpened:
                OnOpened();
                break;
            case DoorSignalKind.ContactClosed:
                OnClosed();
                break;
            case DoorSignalKind.RequestToExit:
                Record(EdgeEventKind.RequestToExit);
                var unlock = Authorize(_policy().UnlockDuration);
                if (!HeldReleased)
                {
                    _ = WatchAsync(_hardware.ReleaseAsync(unlock, CancellationToken.None), "release for exit");
                }

                break;
        }
    }

    private void OnOpened()
    {
        EdgeEventKind kind;
        lock (_sync)
        {
            if (_state is DoorState.Open or DoorState.HeldOpen or DoorState.ForcedOpen)
            {
                return;
            }

            if (_state == DoorState.Unlocked || _time.GetUtcNow() < _authorizedUntil || _heldReleased)
            {
                MoveTo(DoorState.Open);
                if (!_heldReleased)
                {
                    _heldOpenTimer.Change(_policy().HeldOpenLimit, Timeout.InfiniteTimeSpan);
                }

                kind = EdgeEventKind.DoorOpened;
            }
            else
            {
                MoveTo(DoorState.ForcedOpen);
                kind = EdgeEventKind.DoorForcedOpen;
            }
        }

        if (kind == EdgeEventKind.DoorForcedOpen)
        {
            _log.LogWarning("Door {DoorId} forced open", DoorId);
        }

        Record(kind);
    }

    private void OnClosed()
    {
        bool heldReleased;
        lock (_sync)
        {
            if (_state is DoorState.Closed or DoorState.Unlocked)
            {
                return;
            }

            heldReleased = _heldReleased;
            MoveTo(heldReleased ? DoorState.Unlocked : DoorState.Closed);
            _authorizedUntil = DateTimeOffset.MinValue;
            _heldOpenTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _relockTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        Record(EdgeEventKind.DoorClosed);

        // Relock as soon as the door shuts, so nobody follows on the rest of the unlock time; in unlocked hours the strike stays released.
        if (!heldReleased)
        {
            _ = WatchAsync(_hardware.SecureAsync(CancellationToken.None), "secure on close");
        }
    }

    private void OnRelockDue()
    {
        lock (_sync)
        {
            if (_state == DoorState.Unlocked && _time.GetUtcNow() >= _authorizedUntil && !_heldReleased)
            {
                MoveTo(DoorState.Closed);
            }
        }
    }

    private void OnHeldOpenDue()
    {
        lock (_sync)
        {
            if (_state != DoorState.Open || _heldReleased)
            {
                return;
            }

            MoveTo(DoorState.HeldOpen);
        }

        _log.LogWarning("Door {DoorId} held open past its limit", DoorId);
        Record(EdgeEventKind.DoorHeldOpen);
    }

    private void MoveTo(DoorState state)
    {
        _state = state;
        _stateSince = _time.GetUtcNow();
    }

    private void Record(EdgeEventKind kind) =>
        _ = WatchAsync(_recorder.AppendAsync(new EdgeEvent(kind, _time.GetUtcNow(), DoorId), CancellationToken.None), "record " + kind);

    /// <summary>Hardware inputs arrive on the driver's thread and must not wait for disk or bus: follow up here.</summary>
    private async Task WatchAsync(Task task, string what)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _log.LogError(ex, "Door {DoorId}: could not {What}", DoorId, what);
        }
    }
}
