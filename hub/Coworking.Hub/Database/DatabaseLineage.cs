using Dapper;
using Npgsql;

namespace Coworking.Hub.Database;

/// <summary>
/// Notices, as the hub starts, that its database is another history than the one it last ran on (docs/OPERATIONS.md,
/// "After a restore: the edges"), and gives every location's change log a new epoch before any edge is served, so an edge
/// whose cache followed the lost history takes a snapshot. The history is PostgreSQL's own: the cluster's system
/// identifier (another for a dump restored into a new cluster or a major upgrade by pg_upgrade) and the timeline of its
/// write-ahead log (a new one after archive recovery — a base backup with recovery.signal, point-in-time recovery,
/// CloudNativePG's bootstrap.recovery — and after a replica is promoted). A copy started as it is, from a file-system
/// snapshot, continues both, so <c>coworking-hub new-log-epoch</c> stays for that case.
/// </summary>
public static partial class DatabaseLineage
{
    /// <summary>
    /// Compares the database's lineage with the one recorded (table <c>database_lineage</c>, migration 0310) and records
    /// it; on a change, a new epoch for every location's log. The first check of a database only records. Runs on a
    /// connection of the tables' owner with <c>coworking.system</c> on, under the migration lock, so instances starting
    /// together rotate once. Returns how many logs got a new epoch.
    /// </summary>
    public static int Check(NpgsqlConnection connection, ILogger logger)
    {
        using var tx = connection.BeginTransaction();
        var current = connection.QuerySingle<Lineage>(
            """
            SELECT (SELECT system_identifier FROM pg_control_system()) AS systemidentifier,
                   ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int AS timeline
            """,
            transaction: tx);
        var recorded = connection.QuerySingleOrDefault<Lineage>(
            "SELECT system_identifier AS systemidentifier, timeline FROM database_lineage FOR UPDATE", transaction: tx);
        if (recorded == current)
        {
            tx.Commit();
            return 0;
        }

        var rotated = recorded is null ? 0 : connection.Execute("UPDATE location_seq SET log_epoch = gen_random_uuid()", transaction: tx);
        connection.Execute(
            """
            INSERT INTO database_lineage (system_identifier, timeline, seen_at) VALUES (@SystemIdentifier, @Timeline, now())
            ON CONFLICT (only_row) DO UPDATE SET system_identifier = EXCLUDED.system_identifier, timeline = EXCLUDED.timeline, seen_at = EXCLUDED.seen_at
            """,
            current,
            tx);
        tx.Commit();
        if (recorded is null)
        {
            LogFirstSeen(logger, current.SystemIdentifier, current.Timeline);
        }
        else
        {
            LogChanged(logger, recorded.SystemIdentifier, recorded.Timeline, current.SystemIdentifier, current.Timeline, rotated);
        }

        return rotated;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database lineage recorded: system {SystemIdentifier}, WAL timeline {Timeline}")]
    private static partial void LogFirstSeen(ILogger logger, long systemIdentifier, int timeline);

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "The database is another history than the hub last ran on (system {WasSystem} timeline {WasTimeline} → system {System} timeline {Timeline}: " +
        "restored or failed over); gave the change logs of {Locations} location(s) a new epoch, so every edge takes a snapshot when it connects")]
    private static partial void LogChanged(ILogger logger, long wasSystem, int wasTimeline, long system, int timeline, int locations);

    private sealed record Lineage(long SystemIdentifier, int Timeline);
}
