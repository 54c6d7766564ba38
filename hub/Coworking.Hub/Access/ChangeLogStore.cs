using System.Data;
using System.Runtime.CompilerServices;
using Coworking.Proto.V1;
using Dapper;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace Coworking.Hub.Access;

/// <summary>
/// Where a location's log stands: its newest seq, up to which seq it is compacted, and which history it is (a new
/// <paramref name="LogEpoch"/> after a restore from backup, <see cref="LogEpochCommand"/>).
/// </summary>
public sealed record ChangeLogPosition(long LastSeq, long CompactedThrough, Guid LogEpoch);

/// <summary>A part of a snapshot: live entities' newest upserts, as of <paramref name="Seq"/>.</summary>
public sealed record SnapshotPart(long Seq, IReadOnlyList<Change> Changes);

/// <summary>Reads a location's change log in seq order, as an edge or an operator follows it.</summary>
public sealed class ChangeLogStore(Database.TenantDataSource db)
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>Up to <paramref name="limit"/> changes of the location with seq greater than <paramref name="afterSeq"/>.</summary>
    public async Task<IReadOnlyList<Change>> ReadAsync(Guid locationId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<EntryRow>(new CommandDefinition(
            "SELECT seq, committed_at, payload::text AS payload FROM change_log WHERE location_id = @locationId AND seq > @afterSeq ORDER BY seq LIMIT @limit",
            new { locationId, afterSeq, limit },
            cancellationToken: cancellationToken));
        return [.. rows.Select(row => row.ToChange())];
    }

    /// <summary>The location's newest seq, compaction point and log epoch; null when the location has no log.</summary>
    public async Task<ChangeLogPosition?> ReadPositionAsync(Guid locationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<ChangeLogPosition>(new CommandDefinition(
            """
            SELECT s.last_seq AS lastseq, coalesce(c.compacted_through, 0) AS compactedthrough, s.log_epoch AS logepoch
            FROM location_seq s LEFT JOIN change_log_compaction c ON c.location_id = s.location_id
            WHERE s.location_id = @locationId
            """,
            new { locationId },
            cancellationToken: cancellationToken));
    }

    /// <summary>
    /// The location as of its newest seq, in parts of up to <paramref name="partSize"/> changes: each entity's
    /// newest entry unless that is a removal (a revoked credential, a removed door or grant is simply absent).
    /// Read in one REPEATABLE READ transaction, so the parts are one consistent picture however long the
    /// caller takes to send them, and ending at the seq read in that same picture.
    /// </summary>
    public async IAsyncEnumerable<SnapshotPart> ReadSnapshotAsync(Guid locationId, int partSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var seq = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT last_seq FROM location_seq WHERE location_id = @locationId", new { locationId }, tx, cancellationToken: cancellationToken));
        var rows = conn.QueryUnbufferedAsync<EntryRow>(
            """
            SELECT seq, committed_at, payload::text AS payload FROM (
                SELECT DISTINCT ON (entity) seq, kind, committed_at, payload
                FROM change_log WHERE location_id = @locationId AND seq <= @seq
                ORDER BY entity, seq DESC
            ) newest
            WHERE kind NOT IN ('door_removed', 'credential_revoked', 'grant_removed', 'holder_removed', 'sensor_removed', 'sensor_gateway_removed')
            """,
            new { locationId, seq },
            tx);
        var part = new List<Change>(partSize);
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            part.Add(row.ToChange());
            if (part.Count == partSize)
            {
                yield return new SnapshotPart(seq, part);
                part = new List<Change>(partSize);
            }
        }

        yield return new SnapshotPart(seq, part);
        await tx.CommitAsync(cancellationToken);
    }

    private sealed record EntryRow
    {
        public long Seq { get; init; }

        public DateTimeOffset CommittedAt { get; init; }

        public string Payload { get; init; } = string.Empty;

        public Change ToChange()
        {
            var change = Parser.Parse<Change>(Payload);
            change.Seq = Seq;
            change.CommittedAt = Timestamp.FromDateTimeOffset(CommittedAt);
            return change;
        }
    }
}
