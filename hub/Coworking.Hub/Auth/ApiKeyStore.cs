using Coworking.Hub.Database;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Auth;

public sealed record ApiKeyResponse(
    Guid Id, string Name, Role Role, IReadOnlyList<Guid> LocationIds, string Prefix,
    DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt);

/// <summary>The answer to creating a key: the only time the full key is shown.</summary>
public sealed record CreatedApiKey(ApiKeyResponse Key, string ApiKey);

internal sealed class ApiKeyStore(TenantDataSource db, TimeProvider time, ApiKeyCache cache)
{
    // last_used_at is a hint for operators, not an audit trail; writing it on every request would
    // double the cost of a read. With the cache it is written at most once a resolution plus a cache lifetime.
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>The caller a presented key stands for, or null when it is unknown, wrong or revoked.</summary>
    public async Task<Caller?> AuthenticateAsync(ApiKeySecret presented, CancellationToken cancellationToken)
    {
        var hash = presented.Hash();
        if (cache.Find(presented.Prefix, hash) is { } known)
        {
            return known;
        }

        var generation = cache.Generation;
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<KeyRow>(new CommandDefinition(
            """
            SELECT k.id, k.organisation_id, k.secret_hash, k.role, k.revoked_at, k.last_used_at,
                   coalesce(array_agg(l.location_id) FILTER (WHERE l.location_id IS NOT NULL), '{}') AS location_ids
            FROM api_keys k LEFT JOIN api_key_locations l ON l.api_key_id = k.id
            WHERE k.prefix = @prefix
            GROUP BY k.id
            """,
            new { prefix = presented.Prefix },
            cancellationToken: cancellationToken));
        if (row is null || !ApiKeySecret.Matches(hash, row.SecretHash) || row.RevokedAt is not null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (row.LastUsedAt is null || now - row.LastUsedAt > LastUsedResolution)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE api_keys SET last_used_at = @now WHERE id = @id",
                new { id = row.Id, now },
                cancellationToken: cancellationToken));
        }

        var caller = new Caller(row.OrganisationId, new Actor(ActorKind.ApiKey, row.Id), DbText.Parse<Role>(row.Role), row.LocationIds.ToHashSet());
        cache.Remember(presented.Prefix, row.SecretHash, caller, generation);
        return caller;
    }

    /// <summary>Creates a key; the caller has checked the role and that the locations are the organisation's.</summary>
    public async Task<CreatedApiKey> CreateAsync(Guid organisationId, string name, Role role, IReadOnlyList<Guid> locationIds, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var created = await InsertAsync(conn, tx, organisationId, name, role, locationIds, time.GetUtcNow(), cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return created;
    }

    internal static async Task<CreatedApiKey> InsertAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid organisationId, string name, Role role,
        IReadOnlyList<Guid> locationIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var secret = ApiKeySecret.Create();
        var id = Guid.CreateVersion7(now);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO api_keys (id, organisation_id, name, prefix, secret_hash, role, created_at)
            VALUES (@id, @organisationId, @name, @prefix, @hash, @role, @now);
            INSERT INTO api_key_locations (api_key_id, location_id) SELECT @id, unnest(@locationIds);
            """,
            new { id, organisationId, name, prefix = secret.Prefix, hash = secret.Hash(), role = role.ToDb(), now, locationIds = locationIds.ToArray() },
            tx,
            cancellationToken: cancellationToken));
        return new CreatedApiKey(new ApiKeyResponse(id, name, role, locationIds, secret.Prefix, now, null, null), secret.Token);
    }

    public async Task<IReadOnlyList<ApiKeyResponse>> ListAsync(Guid organisationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<ListRow>(new CommandDefinition(
            $"{SelectKeys} WHERE k.organisation_id = @organisationId GROUP BY k.id ORDER BY k.created_at, k.id",
            new { organisationId },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToResponse())];
    }

    /// <summary>One key of the organisation (revoked ones too), or null.</summary>
    public async Task<ApiKeyResponse?> GetAsync(Guid organisationId, Guid id, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<ListRow>(new CommandDefinition(
            $"{SelectKeys} WHERE k.organisation_id = @organisationId AND k.id = @id GROUP BY k.id",
            new { organisationId, id },
            cancellationToken: cancellationToken));
        return row?.ToResponse();
    }

    /// <summary>
    /// Revokes a key of the organisation; null when there is no such key. Answers once this instance has forgotten
    /// the key and heard the notification that makes every other instance forget it.
    /// </summary>
    public async Task<ApiKeyResponse?> RevokeAsync(Guid organisationId, Guid id, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var heard = cache.HeardRevocation(id);
        // The revoked key's id comes back as a row (a statement that only SELECTs pg_notify reports no rows affected).
        var revoked = (await conn.QueryAsync<Guid>(new CommandDefinition(
            $"""
            WITH revoked AS (
                UPDATE api_keys SET revoked_at = @now WHERE id = @id AND organisation_id = @organisationId AND revoked_at IS NULL RETURNING id)
            SELECT r.id FROM revoked r CROSS JOIN LATERAL pg_notify('{ApiKeyCache.RevokedChannel}', r.id::text) AS notified
            """,
            new { id, organisationId, now = time.GetUtcNow() },
            cancellationToken: cancellationToken))).Count();
        if (revoked > 0)
        {
            await cache.RevokedAsync(id, heard, cancellationToken);
        }
        else
        {
            cache.NotRevoked(id);
        }

        var row = await conn.QuerySingleOrDefaultAsync<ListRow>(new CommandDefinition(
            $"{SelectKeys} WHERE k.id = @id AND k.organisation_id = @organisationId GROUP BY k.id",
            new { id, organisationId },
            cancellationToken: cancellationToken));
        return row?.ToResponse();
    }

    private const string SelectKeys =
        """
        SELECT k.id, k.name, k.role, k.prefix, k.created_at, k.revoked_at, k.last_used_at,
               coalesce(array_agg(l.location_id ORDER BY l.location_id) FILTER (WHERE l.location_id IS NOT NULL), '{}') AS location_ids
        FROM api_keys k LEFT JOIN api_key_locations l ON l.api_key_id = k.id
        """;

    private sealed record KeyRow
    {
        public Guid Id { get; init; }

        public Guid OrganisationId { get; init; }

        public byte[] SecretHash { get; init; } = [];

        public string Role { get; init; } = string.Empty;

        public DateTimeOffset? RevokedAt { get; init; }

        public DateTimeOffset? LastUsedAt { get; init; }

        public Guid[] LocationIds { get; init; } = [];
    }

    private sealed record ListRow
    {
        public Guid Id { get; init; }

        public string Name { get; init; } = string.Empty;

        public string Role { get; init; } = string.Empty;

        public string Prefix { get; init; } = string.Empty;

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset? RevokedAt { get; init; }

        public DateTimeOffset? LastUsedAt { get; init; }

        public Guid[] LocationIds { get; init; } = [];

        public ApiKeyResponse ToResponse() => new(Id, Name, DbText.Parse<Role>(Role), LocationIds, Prefix, CreatedAt, RevokedAt, LastUsedAt);
    }
}
