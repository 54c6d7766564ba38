using Coworking.Edge.Decisions;
using Coworking.Edge.Sensors;

namespace Coworking.Edge.Outbox;

public enum EdgeEventKind
{
    /// <summary>A presentation was decided (granted or denied, with its reason).</summary>
    AccessDecision,
    DoorOpened,
    DoorClosed,
    /// <summary>The door stood open past its limit after a grant or exit.</summary>
    DoorHeldOpen,
    /// <summary>The door opened with no grant and no request-to-exit.</summary>
    DoorForcedOpen,
    RequestToExit,
    /// <summary>A reader answered again after being offline (or for the first time since the edge started).</summary>
    ReaderOnline,
    /// <summary>A reader stopped answering: its door cannot read cards until it is back.</summary>
    ReaderOffline,
    /// <summary>An operator's remote unlock released the strike (<see cref="EdgeEvent.Actor"/> says who).</summary>
    RemoteUnlock,
    /// <summary>Too many wrong PINs locked a reader, a card or the whole edge out (<see cref="EdgeEvent.Detail"/> says which).</summary>
    PinLockout,
    /// <summary>The door's unlocked hours began: the strike is held released.</summary>
    DoorUnlockedBySchedule,
    /// <summary>The door's unlocked hours ended (or a lockdown ended them): the strike is secured.</summary>
    DoorLockedBySchedule,
    /// <summary>A watched resource or area became occupied or vacant, or its count changed (<see cref="EdgeEvent.Occupancy"/>).</summary>
    OccupancyChanged,
    /// <summary>Five minutes of a watched resource or area summed up (<see cref="EdgeEvent.Occupancy"/> with its window).</summary>
    OccupancyAggregate,
}

/// <summary>
/// Something that happened at a door, as the hub will store it. Carries ids, never a card number or
/// PIN: <see cref="Presented"/> is the masked form (card's last digits).
/// </summary>
public sealed record EdgeEvent(EdgeEventKind Kind, DateTimeOffset OccurredAt, string DoorId)
{
    public string? ReaderId { get; init; }

    public DecisionReason? Reason { get; init; }

    public string? CredentialId { get; init; }

    public string? HolderId { get; init; }

    public string? Presented { get; init; }

    /// <summary>Remote unlock: who asked, as the hub named them.</summary>
    public string? Actor { get; init; }

    /// <summary>PIN lock-out: the scope locked out (reader, credential, edge).</summary>
    public string? Detail { get; init; }

    /// <summary>Remote unlock: the hub's command id.</summary>
    public string? CommandId { get; init; }

    /// <summary>PIN lock-out: when it ends.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Occupancy change: the new state.</summary>
    public OccupancyChange? Occupancy { get; init; }
}

/// <summary>An event in the outbox with the id the edge gave it (a UUIDv7: ordered by time of recording).</summary>
public sealed record OutboxEntry(Guid Id, EdgeEvent Event);

public static class EdgeEventKindNames
{
    public static string ToWireName(this EdgeEventKind kind) => kind switch
    {
        EdgeEventKind.AccessDecision => "access_decision",
        EdgeEventKind.DoorOpened => "door_opened",
        EdgeEventKind.DoorClosed => "door_closed",
        EdgeEventKind.DoorHeldOpen => "door_held_open",
        EdgeEventKind.DoorForcedOpen => "door_forced_open",
        EdgeEventKind.RequestToExit => "request_to_exit",
        EdgeEventKind.ReaderOnline => "reader_online",
        EdgeEventKind.ReaderOffline => "reader_offline",
        EdgeEventKind.RemoteUnlock => "remote_unlock",
        EdgeEventKind.PinLockout => "pin_lockout",
        EdgeEventKind.DoorUnlockedBySchedule => "door_unlocked_by_schedule",
        EdgeEventKind.DoorLockedBySchedule => "door_locked_by_schedule",
        EdgeEventKind.OccupancyChanged => "occupancy_changed",
        EdgeEventKind.OccupancyAggregate => "occupancy_aggregate",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// Sensor readings: what the outbox may drop, oldest first, to stay inside its disk budget. Access decisions and
    /// door events never are.
    /// </summary>
    public static bool IsExpendable(this EdgeEventKind kind) => kind is EdgeEventKind.OccupancyChanged or EdgeEventKind.OccupancyAggregate;

    public static bool TryParse(string wireName, out EdgeEventKind kind)
    {
        foreach (var candidate in Enum.GetValues<EdgeEventKind>())
        {
            if (candidate.ToWireName() == wireName)
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }
}
