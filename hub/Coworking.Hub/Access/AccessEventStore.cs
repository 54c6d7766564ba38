using Coworking.Hub.Database;
using Coworking.Hub.Http;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Access;

public enum AccessDecision
{
    Granted,
    Denied,
}

public sealed record AccessEventResponse(
    Guid Id, Guid LocationId, Guid? DoorId, Guid? CredentialId, Guid? MemberId, AccessDecision Decision, string Reason,
    DateTimeOffset OccurredAt, string EdgeId, string EventId);

internal sealed record AccessEventFilter(Guid? LocationId, Guid? DoorId, Guid? MemberId, DateTimeOffset? From, DateTimeOffset? To, AccessDecision? Decision = null);

/// <summary>Reads access events; they are written only by the edges' intake (<c>EdgeSync/EventIntake</c>).</summary>
public sealed class AccessEventStore(TenantDataSource db)
{
    /// <summary>Events matching the filter inside the scope, newest first, from after the cursor.</summary>
    internal async Task<Page<AccessEventResponse>> ListAsync(
        Guid organisationId, Guid[]? scope, AccessEventFilter filter, int limit, PageCursor? after, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = (await conn.QueryAsync<EventRow>(new CommandDefinition(
            """
            SELECT id, location_id, door_id, credential_id, member_id, decision, reason, occurred_at, edge_id, event_id
            FROM access_events
            WHERE organisation_id = @organisationId
              AND (@scope::uuid[] IS NULL OR location_id = ANY(@scope))
              AND (@locationId::uuid IS NULL OR location_id = @locationId)
              AND (@doorId::uuid IS NULL OR door_id = @doorId)
              AND (@memberId::uuid IS NULL OR member_id = @memberId)
              AND (@decision::text IS NULL OR decision = @decision)
              AND (@from::timestamptz IS NULL OR occurred_at >= @from)
              AND (@to::timestamptz IS NULL OR occurred_at < @to)
              AND (@beforeAt::timestamptz IS NULL OR (occurred_at, id) < (@beforeAt, @beforeId))
            ORDER BY occurred_at DESC, id DESC
            LIMIT @take
            """,
            new
            {
                organisationId, scope, locationId = filter.LocationId, doorId = filter.DoorId, memberId = filter.MemberId, decision = filter.Decision?.ToDb(), from = filter.From, to = filter.To,
                beforeAt = after?.At, beforeId = after?.Id, take = limit + 1,
            },
            cancellationToken: cancellationToken))).ToList();
        var next = rows.Count > limit ? new PageCursor(rows[limit - 1].OccurredAt, rows[limit - 1].Id).Encode() : null;
        return new Page<AccessEventResponse>([.. rows.Take(limit).Select(r => r.ToResponse())], next);
    }

    /// <summary>
    /// When the newest access event of <paramref name="locationIds"/> that happened after <paramref name="recent"/> reached the
    /// hub, or null: the console's live views compare it to tell that something new arrived.
    /// </summary>
    internal async Task<DateTimeOffset?> LatestReceivedAsync(Guid organisationId, Guid[] locationIds, DateTimeOffset recent, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteScalarAsync<DateTimeOffset?>(new CommandDefinition(
            "SELECT max(received_at) FROM access_events WHERE organisation_id = @organisationId AND location_id = ANY(@locationIds) AND occurred_at > @recent",
            new { organisationId, locationIds, recent },
            cancellationToken: cancellationToken));
    }

    private sealed record EventRow
    {
        public Guid Id { get; init; }

        public Guid LocationId { get; init; }

        public Guid? DoorId { get; init; }

        public Guid? CredentialId { get; init; }

        public Guid? MemberId { get; init; }

        public string Decision { get; init; } = string.Empty;

        public string Reason { get; init; } = string.Empty;

        public DateTimeOffset OccurredAt { get; init; }

        public string EdgeId { get; init; } = string.Empty;

        public string EventId { get; init; } = string.Empty;

        public AccessEventResponse ToResponse() =>
            new(Id, LocationId, DoorId, CredentialId, MemberId, DbText.Parse<AccessDecision>(Decision), Reason, OccurredAt, EdgeId, EventId);
    }
}
