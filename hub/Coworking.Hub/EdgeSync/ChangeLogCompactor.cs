using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Coworking.Hub.EdgeSync;

/// <summary>
/// Keeps each location's change log from growing forever (docs/SYNC.md, "Retention and compaction").
/// Entries older than EdgeSync:ChangeLogRetention are compacted: an entry a newer entry of the same entity
/// supersedes is deleted, and so is a removal with nothing after it. What stays is each live entity's
/// newest entry, which is all a snapshot needs. Entries within the retention are never touched, so an
/// edge that applied anything inside it resumes with changes; one further behind gets a snapshot.
/// One hub instance compacts at a time (an advisory lock); the others skip the round.
/// </summary>
public sealed class ChangeLogCompactor(Database.TenantDataSource db, TimeProvider time, IOptions<EdgeSyncOptions> options, ILogger<ChangeLogCompactor> log)
    : BackgroundService
{
    private const long CompactionLockKey = 0x636f6d70616374;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CompactionInterval, time);
        do
        {
            try
            {
                await CompactAsync(stoppingToken);
            }
            catch (NpgsqlException ex)
            {
                log.LogWarning(ex, "Change-log compaction failed; trying again next round");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Compacts every location's entries committed before now minus the retention; returns how many were deleted.</summary>
    public async Task<long> CompactAsync(CancellationToken cancellationToken)
    {
        using var system = Database.TenantScope.System("change-log compaction: every location's log");
        var cutoff = time.GetUtcNow() - options.Value.ChangeLogRetention;
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT pg_try_advisory_xact_lock(@key)", new { key = CompactionLockKey }, tx, cancellationToken: cancellationToken)))
        {
            return 0;
        }

        // The horizon of a location is its newest entry older than the cutoff; below it, the log keeps
        // only what a snapshot would show.
        var deleted = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            WITH horizon AS (
                SELECT c.location_id, max(c.seq) AS through
                FROM change_log c
                WHERE c.committed_at < @cutoff
                GROUP BY c.location_id
            ), doomed AS (
                DELETE FROM change_log c
                USING horizon h
                WHERE c.location_id = h.location_id AND c.seq <= h.through
                  AND (c.kind IN ('door_removed', 'credential_revoked', 'grant_removed', 'holder_removed', 'sensor_removed', 'sensor_gateway_removed')
                       OR EXISTS (SELECT 1 FROM change_log n WHERE n.location_id = c.location_id AND n.entity = c.entity AND n.seq > c.seq))
                RETURNING c.location_id
            ), marked AS (
                INSERT INTO change_log_compaction (location_id, compacted_through, compacted_at)
                SELECT location_id, through, @now FROM horizon
                ON CONFLICT (location_id) DO UPDATE
                    SET compacted_through = greatest(change_log_compaction.compacted_through, excluded.compacted_through),
                        compacted_at = excluded.compacted_at
            )
            SELECT count(*) FROM doomed
            """,
            new { cutoff, now = time.GetUtcNow() },
            tx,
            cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        if (deleted > 0)
        {
            log.LogInformation("Compacted the change logs: {Deleted} superseded entries older than {Cutoff} deleted", deleted, cutoff);
        }

        return deleted;
    }
}
