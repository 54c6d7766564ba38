using Coworking.Hub.Database;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Doors;

/// <summary>A door alarm an edge reported (forced open or held open) that nobody has acknowledged yet.</summary>
public sealed record DoorAlarm(Guid EventId, Guid LocationId, Guid? DoorId, string Kind, DateTimeOffset OccurredAt);

/// <summary>
/// Door alarms as operators see to them: an edge's door_forced_open and door_held_open events (edge_events, written by the
/// intake) stay open until an operator acknowledges them (door_alarm_acknowledgements, who and when).
/// </summary>
internal sealed class DoorAlarmStore(TenantDataSource db, TimeProvider time)
{
    /// <summary>The edge event kinds that are alarms.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["door_forced_open", "door_held_open"];

    /// <summary>Unacknowledged alarms of the locations that happened after <paramref name="since"/>, newest first.</summary>
    public async Task<IReadOnlyList<DoorAlarm>> ListOpenAsync(
        Guid organisationId, Guid[] locationIds, DateTimeOffset since, int limit, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<AlarmRow>(new CommandDefinition(
            """
            SELECT e.id, e.location_id, e.door_id, e.kind, e.occurred_at
            FROM edge_events e
            WHERE e.organisation_id = @organisationId AND e.location_id = ANY(@locationIds) AND e.kind = ANY(@kinds) AND e.occurred_at > @since
              AND NOT EXISTS (SELECT 1 FROM door_alarm_acknowledgements a WHERE a.edge_event_id = e.id)
            ORDER BY e.occurred_at DESC, e.id DESC
            LIMIT @limit
            """,
            new { organisationId, locationIds, kinds = Kinds.ToArray(), since, limit },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new DoorAlarm(r.Id, r.LocationId, r.DoorId, r.Kind, r.OccurredAt))];
    }

    /// <summary>Acknowledges the alarm (once; a second acknowledgement keeps the first); false when it is no alarm of these locations.</summary>
    public async Task<bool> AcknowledgeAsync(Guid organisationId, Guid[] locationIds, Guid eventId, string actor, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            """
            WITH alarm AS (
                SELECT id, organisation_id, location_id FROM edge_events
                WHERE id = @eventId AND organisation_id = @organisationId AND location_id = ANY(@locationIds) AND kind = ANY(@kinds)
            ), acknowledged AS (
                INSERT INTO door_alarm_acknowledgements (edge_event_id, organisation_id, location_id, acknowledged_by, acknowledged_at)
                SELECT id, organisation_id, location_id, @actor, @now FROM alarm
                ON CONFLICT (edge_event_id) DO NOTHING
            )
            SELECT EXISTS (SELECT 1 FROM alarm)
            """,
            new { organisationId, locationIds, eventId, kinds = Kinds.ToArray(), actor, now = time.GetUtcNow() },
            cancellationToken: cancellationToken));
    }

    /// <summary>When the latest acknowledgement of the locations was made: the live dashboard compares it to drop alarms others saw to.</summary>
    public async Task<DateTimeOffset?> LatestAcknowledgedAsync(Guid organisationId, Guid[] locationIds, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteScalarAsync<DateTimeOffset?>(new CommandDefinition(
            "SELECT max(acknowledged_at) FROM door_alarm_acknowledgements WHERE organisation_id = @organisationId AND location_id = ANY(@locationIds)",
            new { organisationId, locationIds },
            cancellationToken: cancellationToken));
    }

    private sealed record AlarmRow
    {
        public Guid Id { get; init; }

        public Guid LocationId { get; init; }

        public Guid? DoorId { get; init; }

        public string Kind { get; init; } = string.Empty;

        public DateTimeOffset OccurredAt { get; init; }
    }
}
