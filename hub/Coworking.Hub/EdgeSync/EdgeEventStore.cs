using Coworking.Hub.Http;
using Dapper;
using Npgsql;

namespace Coworking.Hub.EdgeSync;

/// <summary>
/// A door or reader event an edge reported (door states, alarms, requests to exit, readers going on- or offline, remote
/// unlocks, unlocked hours beginning and ending, PIN lock-outs).
/// </summary>
/// <param name="Actor">remote_unlock: who asked ("api_key:&lt;id&gt;").</param>
/// <param name="Detail">remote_unlock: its outcome (unlocked, hardware_failed, expired); pin_lockout: the scope (reader, credential, edge).</param>
/// <param name="CredentialId">pin_lockout of a card: the card's credential.</param>
/// <param name="Until">pin_lockout: when it ends (edge clock).</param>
public sealed record EdgeEventResponse(
    Guid Id, Guid LocationId, string Kind, Guid? DoorId, string? ReaderId, DateTimeOffset OccurredAt, DateTimeOffset ReceivedAt,
    string EdgeId, string EventId, string? Actor = null, string? Detail = null, Guid? CredentialId = null, DateTimeOffset? Until = null);

internal sealed record EdgeEventFilter(
    Guid? LocationId, IReadOnlyList<string> Kinds, Guid? DoorId, Guid? EdgeId, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>Reads edge_events, which <see cref="EventIntake"/> writes.</summary>
public sealed class EdgeEventStore(Database.TenantDataSource db)
{
    /// <summary>The kinds edge_events holds, as the API and the table name them.</summary>
    public static readonly IReadOnlyList<string> Kinds =
        ["door_opened", "door_closed", "door_held_open", "door_forced_open", "request_to_exit", "reader_online", "reader_offline",
         "remote_unlock", "pin_lockout", "door_unlocked_by_schedule", "door_locked_by_schedule"];

    /// <summary>Events matching the filter inside the scope, newest first, from after the cursor.</summary>
    internal async Task<Page<EdgeEventResponse>> ListAsync(
        Guid organisationId, Guid[]? scope, EdgeEventFilter filter, int limit, PageCursor? after, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = (await conn.QueryAsync<EventRow>(new CommandDefinition(
            """
            SELECT id, location_id, kind, door_id, reader_id, occurred_at, received_at, edge_id, event_id, actor, detail, credential_id, until
            FROM edge_events
            WHERE organisation_id = @organisationId
              AND (@scope::uuid[] IS NULL OR location_id = ANY(@scope))
              AND (@locationId::uuid IS NULL OR location_id = @locationId)
              AND (cardinality(@kinds::text[]) = 0 OR kind = ANY(@kinds))
              AND (@doorId::uuid IS NULL OR door_id = @doorId)
              AND (@edgeId::text IS NULL OR edge_id = @edgeId)
              AND (@from::timestamptz IS NULL OR occurred_at >= @from)
              AND (@to::timestamptz IS NULL OR occurred_at < @to)
              AND (@beforeAt::timestamptz IS NULL OR (occurred_at, id) < (@beforeAt, @beforeId))
            ORDER BY occurred_at DESC, id DESC
            LIMIT @take
            """,
            new
            {
                organisationId, scope, locationId = filter.LocationId, kinds = filter.Kinds.ToArray(), doorId = filter.DoorId,
                edgeId = filter.EdgeId?.ToString(), from = filter.From, to = filter.To, beforeAt = after?.At, beforeId = after?.Id, take = limit + 1,
            },
            cancellationToken: cancellationToken))).ToList();
        var next = rows.Count > limit ? new PageCursor(rows[limit - 1].OccurredAt, rows[limit - 1].Id).Encode() : null;
        return new Page<EdgeEventResponse>([.. rows.Take(limit).Select(r => r.ToResponse())], next);
    }

    /// <summary>The door-state kinds: what a door's latest one of them says is its state now.</summary>
    public static readonly IReadOnlyList<string> DoorStateKinds = ["door_closed", "door_opened", "door_held_open", "door_forced_open"];

    /// <summary>Each door's latest door-state event (closed, opened, held open, forced open) as the edges reported it; a door never reported is absent.</summary>
    internal async Task<IReadOnlyDictionary<Guid, EdgeEventResponse>> DoorStatesAsync(
        Guid organisationId, Guid locationId, IReadOnlyCollection<Guid> doorIds, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<EventRow>(new CommandDefinition(
            """
            SELECT e.id, e.location_id, e.kind, e.door_id, e.reader_id, e.occurred_at, e.received_at, e.edge_id, e.event_id, e.actor, e.detail,
                   e.credential_id, e.until
            FROM unnest(@doorIds::uuid[]) AS d(id)
            CROSS JOIN LATERAL (
                SELECT * FROM edge_events
                WHERE organisation_id = @organisationId AND location_id = @locationId AND door_id = d.id AND kind = ANY(@kinds)
                ORDER BY occurred_at DESC, id DESC LIMIT 1) e
            """,
            new { organisationId, locationId, doorIds = doorIds.ToArray(), kinds = DoorStateKinds.ToArray() },
            cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.DoorId!.Value, r => r.ToResponse());
    }

    /// <summary>When the newest door or reader event of <paramref name="locationIds"/> that happened after <paramref name="recent"/> reached the hub.</summary>
    internal async Task<DateTimeOffset?> LatestReceivedAsync(Guid organisationId, Guid[] locationIds, DateTimeOffset recent, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteScalarAsync<DateTimeOffset?>(new CommandDefinition(
            "SELECT max(received_at) FROM edge_events WHERE organisation_id = @organisationId AND location_id = ANY(@locationIds) AND occurred_at > @recent",
            new { organisationId, locationIds, recent },
            cancellationToken: cancellationToken));
    }

    private sealed record EventRow
    {
        public Guid Id { get; init; }

        public Guid LocationId { get; init; }

        public string Kind { get; init; } = string.Empty;

        public Guid? DoorId { get; init; }

        public string? ReaderId { get; init; }

        public DateTimeOffset OccurredAt { get; init; }

        public DateTimeOffset ReceivedAt { get; init; }

        public string EdgeId { get; init; } = string.Empty;

        public string EventId { get; init; } = string.Empty;

        public string? Actor { get; init; }

        public string? Detail { get; init; }

        public Guid? CredentialId { get; init; }

        public DateTimeOffset? Until { get; init; }

        public EdgeEventResponse ToResponse() => new(Id, LocationId, Kind, DoorId, ReaderId, OccurredAt, ReceivedAt, EdgeId, EventId, Actor, Detail, CredentialId, Until);
    }
}
