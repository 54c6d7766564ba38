using Coworking.Hub.Access;
using Coworking.Hub.Database;
using Coworking.Hub.Sensors;
using Coworking.Proto.V1;
using Npgsql;

namespace Coworking.Hub.EdgeSync;

/// <summary>Which events of a batch the hub now holds, and which it never will.</summary>
internal sealed record IntakeResult(IReadOnlyList<string> Stored, IReadOnlyList<string> Rejected);

/// <summary>
/// Stores the events an edge uploads: access decisions in access_events, door and reader events in
/// edge_events, occupancy changes in sensor_samples (<see cref="OccupancySamples"/>), a whole batch in one transaction. Each table is unique on (edge_id, event_id), so an
/// event sent again after a lost acknowledgement is stored once: at-least-once on the wire,
/// exactly-once here (ARCHITECTURE §4).
/// </summary>
internal sealed class EventIntake(TenantDataSource db, TimeProvider time, ILogger<EventIntake> log, Telemetry.HubMetrics? metrics = null)
{
    private const int MaxIdLength = 64;

    public async Task<IntakeResult> StoreAsync(EdgeIdentity edge, IReadOnlyList<ReportedEvent> events, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var decisions = new DecisionRows(events.Count);
        var others = new OtherRows(events.Count);
        var samples = new OccupancySamples(events.Count);
        var stored = new List<string>(events.Count);
        var rejected = new List<string>();
        foreach (var e in events)
        {
            if (!TryAdd(e, now, decisions, others, samples))
            {
                rejected.Add(e.EventId);
                continue;
            }

            stored.Add(e.EventId);
        }

        if (rejected.Count > 0)
        {
            log.LogWarning("Edge {EdgeId} sent {Count} events that can never be stored; acknowledged as rejected", edge.EdgeId, rejected.Count);
        }

        foreach (var (problem, count) in samples.Rejected)
        {
            log.LogWarning("Edge {EdgeId} sent {Count} occupancy events refused as {Problem}", edge.EdgeId, count, problem);
        }

        if (stored.Count == 0)
        {
            metrics?.Ingested(0, rejected.Count);
            return new IntakeResult(stored, rejected);
        }

        // Both inserts go in one batch: one round trip, and PostgreSQL runs a batch as one transaction.
        var edgeId = edge.EdgeId.ToString();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(conn);
        if (decisions.Ids.Count > 0)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                """
                INSERT INTO access_events (id, organisation_id, location_id, edge_id, event_id, door_id, credential_id, member_id,
                                           decision, reason, occurred_at, received_at)
                SELECT t.id, @organisationId, @locationId, @edgeId, t.event_id, t.door_id, t.credential_id, t.member_id,
                       t.decision, t.reason, t.occurred_at, @now
                FROM unnest(@ids, @eventIds, @doorIds, @credentialIds, @memberIds, @decisionNames, @reasons, @occurredAt)
                     AS t(id, event_id, door_id, credential_id, member_id, decision, reason, occurred_at)
                ON CONFLICT (edge_id, event_id) DO NOTHING
                """)
            {
                Parameters =
                {
                    new NpgsqlParameter<Guid>("organisationId", edge.OrganisationId),
                    new NpgsqlParameter<Guid>("locationId", edge.LocationId),
                    new NpgsqlParameter<string>("edgeId", edgeId),
                    new NpgsqlParameter<DateTimeOffset>("now", now),
                    new NpgsqlParameter<Guid[]>("ids", [.. decisions.Ids]),
                    new NpgsqlParameter<string[]>("eventIds", [.. decisions.EventIds]),
                    new NpgsqlParameter<Guid?[]>("doorIds", [.. decisions.DoorIds]),
                    new NpgsqlParameter<Guid?[]>("credentialIds", [.. decisions.CredentialIds]),
                    new NpgsqlParameter<Guid?[]>("memberIds", [.. decisions.MemberIds]),
                    new NpgsqlParameter<string[]>("decisionNames", [.. decisions.Decisions]),
                    new NpgsqlParameter<string[]>("reasons", [.. decisions.Reasons]),
                    new NpgsqlParameter<DateTimeOffset[]>("occurredAt", [.. decisions.OccurredAt]),
                },
            });
        }

        if (others.Ids.Count > 0)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                """
                INSERT INTO edge_events (id, organisation_id, location_id, edge_id, event_id, kind, door_id, reader_id, occurred_at, received_at,
                                         actor, detail, credential_id, until)
                SELECT t.id, @organisationId, @locationId, @edgeId, t.event_id, t.kind, t.door_id, t.reader_id, t.occurred_at, @now,
                       t.actor, t.detail, t.credential_id, t.until
                FROM unnest(@ids, @eventIds, @kinds, @doorIds, @readerIds, @occurredAt, @actors, @details, @credentialIds, @until)
                     AS t(id, event_id, kind, door_id, reader_id, occurred_at, actor, detail, credential_id, until)
                ON CONFLICT (edge_id, event_id) DO NOTHING
                """)
            {
                Parameters =
                {
                    new NpgsqlParameter<Guid>("organisationId", edge.OrganisationId),
                    new NpgsqlParameter<Guid>("locationId", edge.LocationId),
                    new NpgsqlParameter<string>("edgeId", edgeId),
                    new NpgsqlParameter<DateTimeOffset>("now", now),
                    new NpgsqlParameter<Guid[]>("ids", [.. others.Ids]),
                    new NpgsqlParameter<string[]>("eventIds", [.. others.EventIds]),
                    new NpgsqlParameter<string[]>("kinds", [.. others.Kinds]),
                    new NpgsqlParameter<Guid?[]>("doorIds", [.. others.DoorIds]),
                    new NpgsqlParameter<string?[]>("readerIds", [.. others.ReaderIds]),
                    new NpgsqlParameter<DateTimeOffset[]>("occurredAt", [.. others.OccurredAt]),
                    new NpgsqlParameter<string?[]>("actors", [.. others.Actors]),
                    new NpgsqlParameter<string?[]>("details", [.. others.Details]),
                    new NpgsqlParameter<Guid?[]>("credentialIds", [.. others.CredentialIds]),
                    new NpgsqlParameter<DateTimeOffset?[]>("until", [.. others.Until]),
                },
            });
        }

        if (samples.Count > 0)
        {
            foreach (var command in samples.Commands(edge, now))
            {
                batch.BatchCommands.Add(command);
            }
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
        metrics?.Ingested(stored.Count, rejected.Count);
        return new IntakeResult(stored, rejected);
    }

    /// <summary>
    /// Adds the event to its table's rows; false when it can never be stored (no id, no time, an unknown kind).
    /// An id that is not one the hub made (door, credential, holder) is stored as unknown rather than losing
    /// the event: it is still a fact the edge observed.
    /// </summary>
    private static bool TryAdd(ReportedEvent e, DateTimeOffset now, DecisionRows decisions, OtherRows others, OccupancySamples samples)
    {
        if (e.EventId.Length is 0 or > MaxIdLength || e.OccurredAt is null || e.ReaderId.Length > 200 || e.Reason.Length > 64 || e.Actor.Length > 200)
        {
            return false;
        }

        var id = Guid.CreateVersion7(now);
        var occurredAt = e.OccurredAt.ToDateTimeOffset();
        if (e.Kind == ReportedEventKind.AccessDecision)
        {
            if (e.Reason.Length == 0)
            {
                return false;
            }

            decisions.Ids.Add(id);
            decisions.EventIds.Add(e.EventId);
            decisions.DoorIds.Add(HubId(e.DoorId));
            decisions.CredentialIds.Add(HubId(e.CredentialId));
            decisions.MemberIds.Add(HubId(e.HolderId));
            decisions.Decisions.Add((e.Reason == "granted" ? AccessDecision.Granted : AccessDecision.Denied).ToDb());
            decisions.Reasons.Add(e.Reason);
            decisions.OccurredAt.Add(occurredAt);
            return true;
        }

        if (e.Kind is ReportedEventKind.OccupancyChanged or ReportedEventKind.OccupancyAggregate)
        {
            return samples.TryAdd(e, now) is null;
        }

        if (KindName(e.Kind) is not { } kind)
        {
            return false;
        }

        others.Ids.Add(id);
        others.EventIds.Add(e.EventId);
        others.Kinds.Add(kind);
        others.DoorIds.Add(HubId(e.DoorId));
        others.ReaderIds.Add(e.ReaderId.Length == 0 ? null : e.ReaderId);
        others.OccurredAt.Add(occurredAt);
        others.Actors.Add(e.Actor.Length == 0 ? null : e.Actor);
        others.Details.Add(e.Reason.Length == 0 ? null : e.Reason);
        others.CredentialIds.Add(HubId(e.CredentialId));
        others.Until.Add(e.LockedUntil?.ToDateTimeOffset());
        return true;
    }

    private static string? KindName(ReportedEventKind kind) => kind switch
    {
        ReportedEventKind.DoorOpened => "door_opened",
        ReportedEventKind.DoorClosed => "door_closed",
        ReportedEventKind.DoorHeldOpen => "door_held_open",
        ReportedEventKind.DoorForcedOpen => "door_forced_open",
        ReportedEventKind.RequestToExit => "request_to_exit",
        ReportedEventKind.ReaderOnline => "reader_online",
        ReportedEventKind.ReaderOffline => "reader_offline",
        ReportedEventKind.RemoteUnlock => "remote_unlock",
        ReportedEventKind.PinLockout => "pin_lockout",
        ReportedEventKind.DoorUnlockedBySchedule => "door_unlocked_by_schedule",
        ReportedEventKind.DoorLockedBySchedule => "door_locked_by_schedule",
        _ => null,
    };

    private static Guid? HubId(string text) => Guid.TryParse(text, out var id) ? id : null;

    private sealed class DecisionRows(int capacity)
    {
        public List<Guid> Ids { get; } = new(capacity);

        public List<string> EventIds { get; } = new(capacity);

        public List<Guid?> DoorIds { get; } = new(capacity);

        public List<Guid?> CredentialIds { get; } = new(capacity);

        public List<Guid?> MemberIds { get; } = new(capacity);

        public List<string> Decisions { get; } = new(capacity);

        public List<string> Reasons { get; } = new(capacity);

        public List<DateTimeOffset> OccurredAt { get; } = new(capacity);
    }

    private sealed class OtherRows(int capacity)
    {
        public List<Guid> Ids { get; } = new(capacity);

        public List<string> EventIds { get; } = new(capacity);

        public List<string> Kinds { get; } = new(capacity);

        public List<Guid?> DoorIds { get; } = new(capacity);

        public List<string?> ReaderIds { get; } = new(capacity);

        public List<DateTimeOffset> OccurredAt { get; } = new(capacity);

        public List<string?> Actors { get; } = new(capacity);

        public List<string?> Details { get; } = new(capacity);

        public List<Guid?> CredentialIds { get; } = new(capacity);

        public List<DateTimeOffset?> Until { get; } = new(capacity);
    }
}
