using System.Buffers.Text;
using System.Security.Cryptography;
using Coworking.Hub.Database;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Auth;

/// <summary>How long sessions last: unused for <c>Idle</c> or older than <c>Lifetime</c>, they end (Sessions:* settings).</summary>
internal sealed record SessionOptions(TimeSpan OperatorIdle, TimeSpan OperatorLifetime, TimeSpan MemberIdle, TimeSpan MemberLifetime)
{
    public static SessionOptions Read(IConfiguration configuration) => new(
        TimeSpan.FromMinutes(configuration.GetValue("Sessions:OperatorIdleMinutes", 30)),
        TimeSpan.FromHours(configuration.GetValue("Sessions:OperatorLifetimeHours", 12)),
        TimeSpan.FromDays(configuration.GetValue("Sessions:MemberIdleDays", 7)),
        TimeSpan.FromDays(configuration.GetValue("Sessions:MemberLifetimeDays", 30)));

    public (TimeSpan Idle, TimeSpan Lifetime) For(ActorKind kind) =>
        kind == ActorKind.Operator ? (OperatorIdle, OperatorLifetime) : (MemberIdle, MemberLifetime);
}

/// <summary>A session as its owner sees it in the list of their sessions.</summary>
public sealed record SessionResponse(
    Guid Id, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt, string? ClientAddress, string? UserAgent, bool Current);

/// <summary>A session just made: the token goes into the cookie and is never stored.</summary>
internal sealed record IssuedSession(Guid Id, string Token, DateTimeOffset ExpiresAt);

/// <summary>The caller a session cookie stands for.</summary>
internal sealed record SessionCaller(Guid SessionId, Caller Caller);

/// <summary>
/// Server-side sessions (table sessions): the cookie holds 32 random bytes, the row their SHA-256. Every request reads
/// the row (no cache), so a revoked session is refused from the next request on; last_seen_at is written at most once
/// a minute.
/// </summary>
internal sealed class SessionStore(TenantDataSource db, TimeProvider time, SessionOptions options)
{
    private static readonly TimeSpan LastSeenResolution = TimeSpan.FromMinutes(1);

    public static byte[] Hash(string token) => SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(token));

    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public async Task<IssuedSession> IssueAsync(Guid organisationId, Actor actor, string? clientAddress, string? userAgent, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var (idle, lifetime) = options.For(actor.Kind);
        var token = NewToken();
        var id = Guid.CreateVersion7(now);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO sessions (id, token_hash, organisation_id, actor_kind, actor_id, created_at, last_seen_at, idle_seconds, expires_at, client_address, user_agent)
            VALUES (@id, @hash, @organisationId, @kind, @actorId, @now, @now, @idle, @expires, @clientAddress, @userAgent)
            """,
            new
            {
                id, hash = Hash(token), organisationId, kind = actor.Kind.ToDb(), actorId = actor.Id, now, idle = (int)idle.TotalSeconds, expires = now + lifetime,
                clientAddress = Truncate(clientAddress, 64), userAgent = Truncate(userAgent, 300),
            },
            cancellationToken: cancellationToken));
        return new IssuedSession(id, token, now + lifetime);
    }

    /// <summary>The caller of a live session (not revoked, not idle too long, not past its lifetime, its operator enabled), or null.</summary>
    public async Task<SessionCaller?> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<SessionRow>(new CommandDefinition(
            """
            SELECT s.id, s.organisation_id, s.actor_kind, s.actor_id, s.last_seen_at, o.role,
                   coalesce((SELECT array_agg(l.location_id) FROM operator_locations l WHERE l.operator_id = o.id), '{}') AS location_ids
            FROM sessions s
            LEFT JOIN operators o ON s.actor_kind = 'operator' AND o.id = s.actor_id AND o.organisation_id = s.organisation_id AND o.disabled_at IS NULL
            LEFT JOIN members m ON s.actor_kind = 'member' AND m.id = s.actor_id AND m.organisation_id = s.organisation_id
            WHERE s.token_hash = @hash AND s.revoked_at IS NULL AND s.expires_at > @now
              AND s.last_seen_at + make_interval(secs => s.idle_seconds) > @now
              AND (o.id IS NOT NULL OR m.id IS NOT NULL)
            """,
            new { hash = Hash(token), now },
            cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }

        if (now - row.LastSeenAt > LastSeenResolution)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE sessions SET last_seen_at = @now WHERE id = @id", new { id = row.Id, now }, cancellationToken: cancellationToken));
        }

        var kind = DbText.Parse<ActorKind>(row.ActorKind);
        var caller = kind == ActorKind.Operator
            ? new Caller(row.OrganisationId, new Actor(kind, row.ActorId), DbText.Parse<Role>(row.Role!), row.LocationIds.ToHashSet())
            : new Caller(row.OrganisationId, new Actor(kind, row.ActorId), Role.Member, new HashSet<Guid>());
        return new SessionCaller(row.Id, caller);
    }

    public async Task<IReadOnlyList<SessionResponse>> ListAsync(Actor actor, Guid currentSessionId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<ListRow>(new CommandDefinition(
            """
            SELECT id, created_at, last_seen_at, expires_at, client_address, user_agent FROM sessions
            WHERE actor_kind = @kind AND actor_id = @actorId AND revoked_at IS NULL AND expires_at > @now
              AND last_seen_at + make_interval(secs => idle_seconds) > @now
            ORDER BY created_at DESC, id DESC
            """,
            new { kind = actor.Kind.ToDb(), actorId = actor.Id, now = time.GetUtcNow() },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new SessionResponse(r.Id, r.CreatedAt, r.LastSeenAt, r.ExpiresAt, r.ClientAddress, r.UserAgent, r.Id == currentSessionId))];
    }

    /// <summary>Revokes one of the actor's own sessions; false when it has no live session with this id.</summary>
    public async Task<bool> RevokeAsync(Actor actor, Guid sessionId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE sessions SET revoked_at = @now WHERE id = @sessionId AND actor_kind = @kind AND actor_id = @actorId AND revoked_at IS NULL",
            new { sessionId, kind = actor.Kind.ToDb(), actorId = actor.Id, now = time.GetUtcNow() },
            cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>Revokes every session of the actor but <paramref name="keep"/>; how many.</summary>
    public async Task<int> RevokeAllAsync(Actor actor, Guid? keep, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await RevokeAllAsync(conn, null, actor, keep, time.GetUtcNow(), cancellationToken);
    }

    internal static Task<int> RevokeAllAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Actor actor, Guid? keep, DateTimeOffset now, CancellationToken cancellationToken) =>
        conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE sessions SET revoked_at = @now
            WHERE actor_kind = @kind AND actor_id = @actorId AND revoked_at IS NULL AND id IS DISTINCT FROM @keep
            """,
            new { kind = actor.Kind.ToDb(), actorId = actor.Id, keep, now },
            tx,
            cancellationToken: cancellationToken));

    private static string? Truncate(string? text, int length) => text is null || text.Length <= length ? text : text[..length];

    private sealed record SessionRow
    {
        public Guid Id { get; init; }

        public Guid OrganisationId { get; init; }

        public string ActorKind { get; init; } = string.Empty;

        public Guid ActorId { get; init; }

        public DateTimeOffset LastSeenAt { get; init; }

        public string? Role { get; init; }

        public Guid[] LocationIds { get; init; } = [];
    }

    private sealed record ListRow
    {
        public Guid Id { get; init; }

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset LastSeenAt { get; init; }

        public DateTimeOffset ExpiresAt { get; init; }

        public string? ClientAddress { get; init; }

        public string? UserAgent { get; init; }
    }
}
