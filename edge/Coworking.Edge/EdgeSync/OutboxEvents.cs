using Coworking.Edge.Decisions;
using Coworking.Edge.Outbox;
using Google.Protobuf.WellKnownTypes;
using ProtoEvent = Coworking.Proto.V1.ReportedEvent;
using ProtoKind = Coworking.Proto.V1.ReportedEventKind;

namespace Coworking.Edge.EdgeSync;

/// <summary>Outbox entries in their wire form (proto/coworking/v1/sync.proto).</summary>
internal static class OutboxEvents
{
    public static ProtoEvent ToProto(OutboxEntry entry)
    {
        var e = entry.Event;
        return new ProtoEvent
        {
            EventId = entry.Id.ToString(),
            Kind = e.Kind switch
            {
                EdgeEventKind.AccessDecision => ProtoKind.AccessDecision,
                EdgeEventKind.DoorOpened => ProtoKind.DoorOpened,
                EdgeEventKind.DoorClosed => ProtoKind.DoorClosed,
                EdgeEventKind.DoorHeldOpen => ProtoKind.DoorHeldOpen,
                EdgeEventKind.DoorForcedOpen => ProtoKind.DoorForcedOpen,
                EdgeEventKind.RequestToExit => ProtoKind.RequestToExit,
                EdgeEventKind.ReaderOnline => ProtoKind.ReaderOnline,
                EdgeEventKind.ReaderOffline => ProtoKind.ReaderOffline,
                EdgeEventKind.RemoteUnlock => ProtoKind.RemoteUnlock,
                EdgeEventKind.PinLockout => ProtoKind.PinLockout,
                EdgeEventKind.DoorUnlockedBySchedule => ProtoKind.DoorUnlockedBySchedule,
                EdgeEventKind.DoorLockedBySchedule => ProtoKind.DoorLockedBySchedule,
                EdgeEventKind.OccupancyChanged => ProtoKind.OccupancyChanged,
                EdgeEventKind.OccupancyAggregate => ProtoKind.OccupancyAggregate,
                _ => ProtoKind.Unspecified,
            },
            OccurredAt = Timestamp.FromDateTimeOffset(e.OccurredAt),
            DoorId = e.DoorId,
            ReaderId = e.ReaderId ?? "",
            Reason = e.Reason?.ToWireName() ?? e.Detail ?? "",
            CredentialId = e.CredentialId ?? "",
            HolderId = e.HolderId ?? "",
            Presented = e.Presented ?? "",
            Actor = e.Actor ?? "",
            CommandId = e.CommandId ?? "",
            LockedUntil = e.Until is { } until ? Timestamp.FromDateTimeOffset(until) : null,
            Occupancy = e.Occupancy is { } occupancy ? Sensors.OccupancyDocuments.ToProto(occupancy) : null,
        };
    }
}
