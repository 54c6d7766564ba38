using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Coworking.Hub.EdgeSync;

public sealed record EnrolmentCodeResponse(
    Guid Id, Guid LocationId, string Name, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? UsedAt, DateTimeOffset? RevokedAt);

/// <summary>The answer to making a code: the only time the code is shown.</summary>
/// <param name="Command">What the installer runs on the edge box, when EdgeSync:PublicUrl is set.</param>
public sealed record CreatedEnrolmentCode(EnrolmentCodeResponse EnrolmentCode, string Code, string? Command);

/// <summary>An edge as operators see it.</summary>
/// <param name="Connected">A hub instance serves its stream and heard from it within three heartbeats.</param>
/// <param name="AppliedSeq">The last seq the edge reported applied.</param>
/// <param name="LocationSeq">The location's newest seq.</param>
/// <param name="LagChanges">Changes the edge has not applied yet.</param>
/// <param name="LagSeconds">Age of the oldest change the edge has not applied; 0 when it has them all.</param>
/// <param name="ClockSkewMs">The edge's clock minus the hub's at its last heartbeat.</param>
/// <param name="ClockSkewFlagged">The skew exceeds EdgeSync:ClockSkewTolerance: the edge's NTP needs a look.</param>
public sealed record EdgeResponse(
    Guid Id, Guid LocationId, string Name, DateTimeOffset EnrolledAt, DateTimeOffset? RevokedAt, bool Connected,
    DateTimeOffset? ConnectedSince, DateTimeOffset? LastContactAt, long AppliedSeq, long LocationSeq, long LagChanges, double LagSeconds,
    long? ClockSkewMs, bool ClockSkewFlagged, string? SoftwareVersion, string? CacheId, long? OutboxDepth, int? ReadersOnline, int? ReadersTotal,
    IReadOnlyList<EdgeBridgeResponse>? Bridges = null);

/// <summary>A vendor bridge as the edge's last heartbeat reported it (docs/BRIDGES.md).</summary>
public sealed record EdgeBridgeResponse(string Vendor, DateTimeOffset? LastReconcileAt, int QueueDepth, string? LastError, int Doors);

/// <summary>An authenticated edge: the only location it is served is <paramref name="LocationId"/>.</summary>
public sealed record EdgeIdentity(Guid EdgeId, Guid OrganisationId, Guid LocationId);

/// <summary>A new edge's credential, shown to it once.</summary>
internal sealed record EnrolledEdge(EdgeIdentity Edge, string Credential);

/// <summary>What the edge said in its latest heartbeat.</summary>
internal sealed record EdgeHeartbeat(
    long ClockSkewMs, string SoftwareVersion, long AppliedSeq, long OutboxDepth, int ReadersOnline, int ReadersTotal, IReadOnlyList<EdgeBridgeResponse>? Bridges = null);

/// <summary>Enrolment codes, enrolled edges and what their streams report (docs/SYNC.md).</summary>
public sealed class EdgeStore(Database.TenantDataSource db, TimeProvider time, IOptions<EdgeSyncOptions> options)
{
    private static readonly System.Text.Json.JsonSerializerOptions BridgesJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    /// <summary>The channel the hub NOTIFYs with an edge's id when it is revoked, so its open stream ends.</summary>
    public const string RevokedChannel = "edge_revoked";

    private readonly EdgeSyncOptions _options = options.Value;

    internal async Task<CreatedEnrolmentCode> CreateEnrolmentCodeAsync(
        Guid organisationId, Guid locationId, string name, TimeSpan lifetime, string authorityPin, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var code = EnrolmentCode.Create(authorityPin);
        var row = new EnrolmentCodeResponse(Guid.CreateVersion7(now), locationId, name, now, now + lifetime, null, null);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO edge_enrolment_codes (id, organisation_id, location_id, name, code_hash, created_at, expires_at)
            VALUES (@Id, @organisationId, @LocationId, @Name, @hash, @CreatedAt, @ExpiresAt)
            """,
            new { row.Id, organisationId, row.LocationId, row.Name, hash = EnrolmentCode.HashSecret(code.Secret), row.CreatedAt, row.ExpiresAt },
            cancellationToken: cancellationToken));
        var command = _options.PublicUrl is { Length: > 0 } url ? $"coworking-edge enroll --hub {url} --code {code.Text}" : null;
        return new CreatedEnrolmentCode(row, code.Text, command);
    }

    internal async Task<IReadOnlyList<EnrolmentCodeResponse>> ListEnrolmentCodesAsync(Guid locationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<CodeRow>(new CommandDefinition(
            $"{SelectCodes} WHERE location_id = @locationId ORDER BY created_at, id",
            new { locationId },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToResponse())];
    }

    /// <summary>One code of the organisation within the scope (never the code itself), or null.</summary>
    internal async Task<EnrolmentCodeResponse?> GetEnrolmentCodeAsync(Guid organisationId, Guid[]? scope, Guid id, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<CodeRow>(new CommandDefinition(
            $"{SelectCodes} WHERE id = @id AND organisation_id = @organisationId AND (@scope::uuid[] IS NULL OR location_id = ANY(@scope))",
            new { id, organisationId, scope },
            cancellationToken: cancellationToken));
        return row?.ToResponse();
    }

    /// <summary>Revokes an unused code of the organisation; null when there is no such code.</summary>
    internal async Task<EnrolmentCodeResponse?> RevokeEnrolmentCodeAsync(Guid organisationId, Guid[]? scope, Guid id, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<CodeRow>(new CommandDefinition(
            $"""
            UPDATE edge_enrolment_codes SET revoked_at = coalesce(revoked_at, @now)
            WHERE id = @id AND organisation_id = @organisationId AND (@scope::uuid[] IS NULL OR location_id = ANY(@scope))
            RETURNING {CodeColumns}
            """,
            new { id, organisationId, scope, now = time.GetUtcNow() },
            cancellationToken: cancellationToken));
        return row?.ToResponse();
    }

    /// <summary>
    /// Spends a code: marks it used and creates the edge, in one transaction. Null when the code is unknown,
    /// used, expired or revoked; the caller cannot tell which, and neither can whoever guesses codes.
    /// </summary>
    internal async Task<EnrolledEdge?> EnrollAsync(byte[] codeHash, string name, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var code = await conn.QuerySingleOrDefaultAsync<SpentCode>(new CommandDefinition(
            """
            UPDATE edge_enrolment_codes SET used_at = @now
            WHERE code_hash = @codeHash AND used_at IS NULL AND revoked_at IS NULL AND expires_at > @now
            RETURNING id, organisation_id, location_id, name
            """,
            new { codeHash, now },
            tx,
            cancellationToken: cancellationToken));
        if (code is null)
        {
            return null;
        }

        var edge = new EdgeIdentity(Guid.CreateVersion7(now), code.OrganisationId, code.LocationId);
        var credential = EdgeCredential.Create(edge.EdgeId);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO edges (id, organisation_id, location_id, name, secret_hash, enrolment_code_id, enrolled_at)
            VALUES (@EdgeId, @OrganisationId, @LocationId, @name, @hash, @codeId, @now)
            """,
            new { edge.EdgeId, edge.OrganisationId, edge.LocationId, name = string.IsNullOrWhiteSpace(name) ? code.Name : name.Trim(), hash = credential.Hash(), codeId = code.Id, now },
            tx,
            cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return new EnrolledEdge(edge, credential.Token);
    }

    /// <summary>The edge a presented credential stands for, or null when it is unknown, wrong or revoked.</summary>
    internal async Task<EdgeIdentity?> AuthenticateAsync(EdgeCredential presented, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<CredentialRow>(new CommandDefinition(
            "SELECT id, organisation_id, location_id, secret_hash, revoked_at FROM edges WHERE id = @id",
            new { id = presented.EdgeId },
            cancellationToken: cancellationToken));
        return row is null || !presented.Matches(row.SecretHash) || row.RevokedAt is not null
            ? null
            : new EdgeIdentity(row.Id, row.OrganisationId, row.LocationId);
    }

    /// <summary>A stream started; false when the edge was revoked meanwhile.</summary>
    internal async Task<bool> RecordConnectedAsync(Guid edgeId, DateTimeOffset since, string cacheId, string softwareVersion, long appliedSeq, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE edges SET connected_since = @since, last_contact_at = @since, cache_id = @cacheId, software_version = @softwareVersion,
                             applied_seq = @appliedSeq
            WHERE id = @edgeId AND revoked_at IS NULL
            """,
            new { edgeId, since, cacheId, softwareVersion, appliedSeq },
            cancellationToken: cancellationToken)) == 1;
    }

    internal async Task RecordAppliedAsync(Guid edgeId, long appliedSeq, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE edges SET applied_seq = @appliedSeq, last_contact_at = @now WHERE id = @edgeId",
            new { edgeId, appliedSeq, now = time.GetUtcNow() },
            cancellationToken: cancellationToken));
    }

    /// <summary>Records a heartbeat; false when the edge was revoked meanwhile.</summary>
    internal async Task<bool> RecordHeartbeatAsync(Guid edgeId, EdgeHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE edges SET last_contact_at = @now, clock_skew_ms = @ClockSkewMs, software_version = @SoftwareVersion,
                             applied_seq = greatest(applied_seq, @AppliedSeq), outbox_depth = @OutboxDepth,
                             readers_online = @ReadersOnline, readers_total = @ReadersTotal, bridges = @bridges::jsonb
            WHERE id = @edgeId AND revoked_at IS NULL
            """,
            new
            {
                edgeId, now = time.GetUtcNow(), heartbeat.ClockSkewMs, heartbeat.SoftwareVersion, heartbeat.AppliedSeq,
                heartbeat.OutboxDepth, heartbeat.ReadersOnline, heartbeat.ReadersTotal,
                bridges = heartbeat.Bridges is { Count: > 0 } list ? System.Text.Json.JsonSerializer.Serialize(list, BridgesJson) : null,
            },
            cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>
    /// A stream ended. Only clears the stream it started, so a late goodbye from an instance the edge already
    /// left does not mark its new stream on another instance disconnected.
    /// </summary>
    internal async Task RecordDisconnectedAsync(Guid edgeId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE edges SET connected_since = NULL WHERE id = @edgeId AND connected_since = @since",
            new { edgeId, since },
            cancellationToken: cancellationToken));
    }

    internal async Task<IReadOnlyList<EdgeResponse>> ListAsync(Guid organisationId, Guid[]? scope, Guid? locationId, Guid? edgeId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<EdgeRow>(new CommandDefinition(
            """
            SELECT e.id, e.location_id, e.name, e.enrolled_at, e.revoked_at, e.connected_since, e.last_contact_at, e.applied_seq,
                   s.last_seq AS location_seq, e.clock_skew_ms, e.software_version, e.cache_id, e.outbox_depth, e.readers_online, e.readers_total,
                   e.bridges::text AS bridges,
                   (SELECT c.committed_at FROM change_log c WHERE c.location_id = e.location_id AND c.seq > e.applied_seq ORDER BY c.seq LIMIT 1)
                       AS oldest_unapplied_at
            FROM edges e JOIN location_seq s ON s.location_id = e.location_id
            WHERE e.organisation_id = @organisationId
              AND (@scope::uuid[] IS NULL OR e.location_id = ANY(@scope))
              AND (@locationId::uuid IS NULL OR e.location_id = @locationId)
              AND (@edgeId::uuid IS NULL OR e.id = @edgeId)
            ORDER BY e.location_id, e.enrolled_at, e.id
            """,
            new { organisationId, scope, locationId, edgeId },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToResponse(now, _options))];
    }

    /// <summary>Revokes an edge: its credential is refused from now on and its open stream ends. Null when there is no such edge.</summary>
    internal async Task<EdgeResponse?> RevokeAsync(Guid organisationId, Guid[]? scope, Guid id, CancellationToken cancellationToken)
    {
        await using (var conn = await db.OpenConnectionAsync(cancellationToken))
        {
            var revoked = await conn.ExecuteScalarAsync<Guid?>(new CommandDefinition(
                """
                WITH revoked AS (
                    UPDATE edges SET revoked_at = coalesce(revoked_at, @now)
                    WHERE id = @id AND organisation_id = @organisationId AND (@scope::uuid[] IS NULL OR location_id = ANY(@scope))
                    RETURNING id
                )
                SELECT id, pg_notify(@channel, id::text) FROM revoked
                """,
                new { id, organisationId, scope, now = time.GetUtcNow(), channel = RevokedChannel },
                cancellationToken: cancellationToken));
            if (revoked is null)
            {
                return null;
            }
        }

        return (await ListAsync(organisationId, scope, null, id, cancellationToken)).SingleOrDefault();
    }

    private const string CodeColumns = "id, location_id, name, created_at, expires_at, used_at, revoked_at";

    private const string SelectCodes = $"SELECT {CodeColumns} FROM edge_enrolment_codes";

    private sealed record CodeRow
    {
        public Guid Id { get; init; }

        public Guid LocationId { get; init; }

        public string Name { get; init; } = string.Empty;

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset ExpiresAt { get; init; }

        public DateTimeOffset? UsedAt { get; init; }

        public DateTimeOffset? RevokedAt { get; init; }

        public EnrolmentCodeResponse ToResponse() => new(Id, LocationId, Name, CreatedAt, ExpiresAt, UsedAt, RevokedAt);
    }

    private sealed record SpentCode
    {
        public Guid Id { get; init; }

        public Guid OrganisationId { get; init; }

        public Guid LocationId { get; init; }

        public string Name { get; init; } = string.Empty;
    }

    private sealed record CredentialRow
    {
        public Guid Id { get; init; }

        public Guid OrganisationId { get; init; }

        public Guid LocationId { get; init; }

        public byte[] SecretHash { get; init; } = [];

        public DateTimeOffset? RevokedAt { get; init; }
    }

    private sealed record EdgeRow
    {
        public Guid Id { get; init; }

        public Guid LocationId { get; init; }

        public string Name { get; init; } = string.Empty;

        public DateTimeOffset EnrolledAt { get; init; }

        public DateTimeOffset? RevokedAt { get; init; }

        public DateTimeOffset? ConnectedSince { get; init; }

        public DateTimeOffset? LastContactAt { get; init; }

        public long AppliedSeq { get; init; }

        public long LocationSeq { get; init; }

        public long? ClockSkewMs { get; init; }

        public string? SoftwareVersion { get; init; }

        public string? CacheId { get; init; }

        public long? OutboxDepth { get; init; }

        public int? ReadersOnline { get; init; }

        public int? ReadersTotal { get; init; }

        public DateTimeOffset? OldestUnappliedAt { get; init; }

        public string? Bridges { get; init; }

        public EdgeResponse ToResponse(DateTimeOffset now, EdgeSyncOptions options)
        {
            var connected = RevokedAt is null && ConnectedSince is not null && LastContactAt is { } contact && now - contact < 3 * options.HeartbeatInterval;
            var lagSeconds = OldestUnappliedAt is { } oldest ? Math.Max(0, (now - oldest).TotalSeconds) : 0;
            var flagged = ClockSkewMs is { } skew && Math.Abs(skew) > options.ClockSkewTolerance.TotalMilliseconds;
            return new EdgeResponse(
                Id, LocationId, Name, EnrolledAt, RevokedAt, connected, connected ? ConnectedSince : null, LastContactAt, AppliedSeq, LocationSeq,
                Math.Max(0, LocationSeq - AppliedSeq), lagSeconds, ClockSkewMs, flagged, SoftwareVersion, CacheId, OutboxDepth, ReadersOnline, ReadersTotal,
                Bridges is null ? null : System.Text.Json.JsonSerializer.Deserialize<List<EdgeBridgeResponse>>(Bridges, BridgesJson));
        }
    }
}
