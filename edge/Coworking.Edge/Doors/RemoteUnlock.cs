using Coworking.Edge.Outbox;
using Microsoft.Extensions.Logging;

namespace Coworking.Edge.Doors;

public enum RemoteUnlockOutcome
{
    /// <summary>The strike was released (the lock took the command, or the door's unlocked hours hold it released).</summary>
    Unlocked,

    /// <summary>This edge has no hardware for the door.</summary>
    UnknownDoor,

    /// <summary>The reader or relay did not take the command.</summary>
    HardwareFailed,

    /// <summary>The command arrived after it expired and was not carried out.</summary>
    Expired,
}

/// <summary>
/// An operator's remote unlock as it reaches the edge: released at the door's hardware for the time asked, and
/// recorded (who asked, the hub's command id, what came of it) for the hub like every other door event.
/// </summary>
public sealed class RemoteUnlock(DoorRegistry doors, IEventRecorder recorder, TimeProvider time, ILogger<RemoteUnlock> log, Bridges.VendorBridges? bridges = null)
{
    public static readonly TimeSpan MinDuration = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(1);

    public async Task<RemoteUnlockOutcome> HandleAsync(
        string commandId, string doorId, TimeSpan duration, string actor, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        RemoteUnlockOutcome outcome;
        if (expiresAt is { } expiry && expiry < now)
        {
            outcome = RemoteUnlockOutcome.Expired;
        }
        else if (!doors.TryGetDoor(doorId, out var door))
        {
            // A vendor's door is released through the vendor's API (docs/BRIDGES.md).
            outcome = bridges?.BridgeOf(doorId) is not { } bridge
                ? RemoteUnlockOutcome.UnknownDoor
                : await bridge.UnlockAsync(doorId, duration, cancellationToken).ConfigureAwait(false) ? RemoteUnlockOutcome.Unlocked : RemoteUnlockOutcome.HardwareFailed;
        }
        else
        {
            var unlock = duration < MinDuration ? MinDuration : duration > MaxDuration ? MaxDuration : duration;
            outcome = await door.UnlockRemotelyAsync(unlock, cancellationToken).ConfigureAwait(false)
                ? RemoteUnlockOutcome.Unlocked
                : RemoteUnlockOutcome.HardwareFailed;
        }

        log.LogInformation("Remote unlock {CommandId} of door {DoorId} for {Duration} by {Actor}: {Outcome}", commandId, doorId, duration, actor, outcome);
        if (outcome != RemoteUnlockOutcome.UnknownDoor)
        {
            await recorder.AppendAsync(
                new EdgeEvent(EdgeEventKind.RemoteUnlock, now, doorId) { Actor = actor, CommandId = commandId, Detail = WireName(outcome) },
                cancellationToken).ConfigureAwait(false);
        }

        return outcome;
    }

    public static string WireName(RemoteUnlockOutcome outcome) => outcome switch
    {
        RemoteUnlockOutcome.Unlocked => "unlocked",
        RemoteUnlockOutcome.UnknownDoor => "unknown_door",
        RemoteUnlockOutcome.HardwareFailed => "hardware_failed",
        _ => "expired",
    };
}
