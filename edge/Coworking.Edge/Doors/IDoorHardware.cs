namespace Coworking.Edge.Doors;

public enum DoorSignalKind
{
    ContactOpened,
    ContactClosed,
    RequestToExit,
}

/// <summary>An input change at a door, already debounced by the hardware.</summary>
public sealed record DoorSignal(DoorSignalKind Kind);

/// <summary>
/// The lock and inputs of one door, however they are wired: GPIO on the edge box, or an OSDP
/// reader's output and inputs. Release commands are idempotent; a later command replaces an earlier one.
/// </summary>
public interface IDoorHardware
{
    /// <summary>The hub's door id.</summary>
    string DoorId { get; }

    /// <summary>The door position switch as last seen; null when the door has none or it is not known yet.</summary>
    bool? ContactOpen { get; }

    /// <summary>Raised for door contact changes and request-to-exit presses.</summary>
    event EventHandler<DoorSignal>? SignalReceived;

    /// <summary>Releases the strike for <paramref name="duration"/>, then secures it again by itself.</summary>
    Task ReleaseAsync(TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="ReleaseAsync"/>, answering whether the lock took the command (a remote unlock tells the operator);
    /// hardware that cannot tell answers true once the command is out.
    /// </summary>
    async Task<bool> ReleaseConfirmedAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        await ReleaseAsync(duration, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Releases the strike until told otherwise (fail-safe doors when the edge stops).</summary>
    Task HoldReleasedAsync(CancellationToken cancellationToken);

    /// <summary>Secures the strike now, ending any release.</summary>
    Task SecureAsync(CancellationToken cancellationToken);
}
