using System.Text.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Coworking.Hub.Http;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Audit;

internal sealed record NewAuditEvent(Guid OrganisationId, Actor Actor, string Action, string ObjectKind, Guid? ObjectId, JsonObject Changes, string? ClientAddress)
{
    /// <summary>The object's changed columns as they were (null for a create or when unknown).</summary>
    public JsonObject? Before { get; init; }

    /// <summary>The object's changed columns as they are now (null for a delete or when unknown).</summary>
    public JsonObject? After { get; init; }
}

/// <summary>
/// One write in the audit trail: <see cref="Changes"/> holds the fields the request set, <see cref="Before"/> and
/// <see cref="After"/> the object's columns that changed (null when the write created or deleted it, or when the
/// object is not a row the hub reads back); secrets redacted throughout.
/// </summary>
public sealed record AuditEventResponse(
    Guid Id, ActorKind ActorKind, Guid? ActorId, string Action, string ObjectKind, Guid? ObjectId, JsonObject Changes, JsonObject? Before, JsonObject? After,
    string? ClientAddress, DateTimeOffset OccurredAt);

/// <summary>What to list: each filter is optional; <c>from</c> inclusive, <c>to</c> exclusive.</summary>
internal sealed record AuditFilter(ActorKind? ActorKind, Guid? ActorId, string? ObjectKind, Guid? ObjectId, string? Action, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>The audit trail (table audit_events), written by <see cref="AuditTrail"/> and read by organisation admins.</summary>
internal sealed class AuditStore(TenantDataSource db, TimeProvider time)
{
    public async Task RecordAsync(NewAuditEvent audit, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO audit_events (id, organisation_id, actor_kind, actor_id, action, object_kind, object_id, changes, before, after, client_address, occurred_at)
            VALUES (@id, @OrganisationId, @actorKind, @actorId, @Action, @ObjectKind, @ObjectId, @changes::jsonb, @before::jsonb, @after::jsonb, @clientAddress, @now)
            """,
            new
            {
                id = Guid.CreateVersion7(now), audit.OrganisationId, actorKind = audit.Actor.Kind.ToDb(), actorId = audit.Actor.Id, audit.Action, audit.ObjectKind,
                audit.ObjectId, changes = audit.Changes.ToJsonString(), before = audit.Before?.ToJsonString(), after = audit.After?.ToJsonString(), clientAddress = audit.ClientAddress is { Length: > 64 } a ? a[..64] : audit.ClientAddress, now,
            },
            cancellationToken: cancellationToken));
    }

    public async Task<Page<AuditEventResponse>> ListAsync(Guid organisationId, AuditFilter filter, int limit, PageCursor? after, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = (await conn.QueryAsync<AuditRow>(new CommandDefinition(
            """
            SELECT id, actor_kind, actor_id, action, object_kind, object_id, changes::text AS changes, before::text AS before, after::text AS after, client_address, occurred_at FROM audit_events
            WHERE organisation_id = @organisationId
              AND (@actorKind::text IS NULL OR actor_kind = @actorKind)
              AND (@ActorId::uuid IS NULL OR actor_id = @ActorId)
              AND (@ObjectKind::text IS NULL OR object_kind = @ObjectKind)
              AND (@ObjectId::uuid IS NULL OR object_id = @ObjectId)
              AND (@Action::text IS NULL OR action = @Action)
              AND (@From::timestamptz IS NULL OR occurred_at >= @From)
              AND (@To::timestamptz IS NULL OR occurred_at < @To)
              AND (@afterAt::timestamptz IS NULL OR (occurred_at, id) < (@afterAt, @afterId))
            ORDER BY occurred_at DESC, id DESC
            LIMIT @take
            """,
            new
            {
                organisationId, actorKind = filter.ActorKind?.ToDb(), filter.ActorId, filter.ObjectKind, filter.ObjectId, filter.Action, filter.From, filter.To,
                afterAt = after?.At, afterId = after?.Id ?? Guid.Empty, take = limit + 1,
            },
            cancellationToken: cancellationToken))).ToList();
        var next = rows.Count > limit ? new PageCursor(rows[limit - 1].OccurredAt, rows[limit - 1].Id).Encode() : null;
        return new Page<AuditEventResponse>([.. rows.Take(limit).Select(r => r.ToResponse())], next);
    }

    private sealed record AuditRow
    {
        public Guid Id { get; init; }

        public string ActorKind { get; init; } = string.Empty;

        public Guid? ActorId { get; init; }

        public string Action { get; init; } = string.Empty;

        public string ObjectKind { get; init; } = string.Empty;

        public Guid? ObjectId { get; init; }

        public string Changes { get; init; } = "{}";

        public string? Before { get; init; }

        public string? After { get; init; }

        public string? ClientAddress { get; init; }

        public DateTimeOffset OccurredAt { get; init; }

        public AuditEventResponse ToResponse() => new(
            Id, DbText.Parse<Auth.ActorKind>(ActorKind), ActorId, Action, ObjectKind, ObjectId,
            JsonSerializer.Deserialize<JsonObject>(Changes) ?? [],
            Before is null ? null : JsonSerializer.Deserialize<JsonObject>(Before), After is null ? null : JsonSerializer.Deserialize<JsonObject>(After), ClientAddress, OccurredAt);
    }
}
