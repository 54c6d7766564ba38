using Coworking.Hub.Auth;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Database;

/// <summary>
/// Deletes, every ten minutes, the rows that only ever served for a while, so their tables do not grow for ever:
/// idempotency keys past the 24 hours an answer is replayed, one-time tokens (sign-in and reset links, second-factor
/// challenges) a day after they expired, sessions 30 days after they ended (expired, idle or revoked; the audit
/// trail keeps the sign-ins), and login failures whose window and lock have both passed. Each table goes in rounds of
/// 5,000 rows, so no one statement holds many locks; several hub instances sweeping at once only share the work.
/// </summary>
internal sealed partial class ExpiredRowSweeper(TenantDataSource db, TimeProvider time, ILogger<ExpiredRowSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan SessionsKept = TimeSpan.FromDays(30);
    private const int RoundSize = 5000;
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    // Each statement deletes up to @limit rows past @now's cutoffs; the keys are picked with SKIP LOCKED so two sweepers
    // (or a sweeper and a request using a key) never wait for each other.
    private static readonly (string Table, string Sql)[] Sweeps =
    [
        ("idempotency_keys", """
            DELETE FROM idempotency_keys k USING (
                SELECT organisation_id, actor, key FROM idempotency_keys WHERE created_at < @idempotencyCutoff LIMIT @limit FOR UPDATE SKIP LOCKED) d
            WHERE (k.organisation_id, k.actor, k.key) = (d.organisation_id, d.actor, d.key)
            """),
        ("one_time_tokens", """
            DELETE FROM one_time_tokens WHERE token_hash IN (
                SELECT token_hash FROM one_time_tokens WHERE expires_at < @tokenCutoff LIMIT @limit FOR UPDATE SKIP LOCKED)
            """),
        ("sessions", """
            DELETE FROM sessions WHERE id IN (
                SELECT id FROM sessions
                WHERE expires_at < @sessionCutoff OR revoked_at < @sessionCutoff OR last_seen_at + idle_seconds * interval '1 second' < @sessionCutoff
                LIMIT @limit FOR UPDATE SKIP LOCKED)
            """),
        ("login_failures", """
            DELETE FROM login_failures WHERE key IN (
                SELECT key FROM login_failures
                WHERE first_failed_at < @failureCutoff AND (locked_until IS NULL OR locked_until < @now)
                LIMIT @limit FOR UPDATE SKIP LOCKED)
            """),
    ];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                foreach (var (table, count) in await RunAsync(stoppingToken))
                {
                    LogSwept(logger, count, table);
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                LogFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Sweeps every table until nothing is due; the rows deleted per table that had any. Tests call it with a fake clock.</summary>
    public async Task<IReadOnlyDictionary<string, int>> RunAsync(CancellationToken cancellationToken)
    {
        using var system = TenantScope.System("sweeper: expired keys, tokens, sessions and login failures of every organisation");
        var now = time.GetUtcNow();
        var cutoffs = new
        {
            now,
            idempotencyCutoff = now - Http.Idempotency.Kept,
            tokenCutoff = now - TimeSpan.FromDays(1),
            sessionCutoff = now - SessionsKept,
            failureCutoff = now - LoginThrottle.Window - LoginThrottle.LockFor,
            limit = RoundSize,
        };
        var swept = new Dictionary<string, int>(StringComparer.Ordinal);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        foreach (var (table, sql) in Sweeps)
        {
            var total = 0;
            while (await conn.ExecuteAsync(new CommandDefinition(sql, cutoffs, cancellationToken: cancellationToken)) is var deleted and > 0)
            {
                total += deleted;
            }

            if (total > 0)
            {
                swept[table] = total;
            }
        }

        return swept;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Swept {Count} expired row(s) from {Table}")]
    private static partial void LogSwept(ILogger logger, int count, string table);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping expired rows failed; retrying at the next tick")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
