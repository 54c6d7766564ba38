using Coworking.Hub.Access;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Bookings;

/// <summary>Passes:CleanupGrace: how long after a booking or visit ends its credentials are revoked (default 1 hour).</summary>
internal sealed record PassCleanupOptions(TimeSpan Grace)
{
    public static PassCleanupOptions Read(IConfiguration configuration) =>
        new(configuration.GetValue("Passes:CleanupGrace", TimeSpan.FromHours(1)));
}

/// <summary>
/// Revokes, once a minute, the credentials of bookings and visitor passes that ended more than the grace ago; the
/// access compiler then removes the pass holders with their credentials and grants through the change log, so the
/// edges' caches drop them (a snapshot leaves them out, and compaction deletes them from the log), instead of keeping
/// every pass ever issued. Whatever ended while no hub
/// ran is revoked on the first round after. Each round takes up to 1,000 whole passes and locks all their live
/// credentials in id order; an instance that finds them locked waits, then sees them revoked and skips them, so
/// with several hub instances each pass's revocations and its grant removal are logged once, together. (Claiming
/// single credentials with SKIP LOCKED split one pass between two instances, each logging a grant removal.)
/// </summary>
internal sealed partial class EndedPassCleanup(Database.TenantDataSource db, PassCleanupOptions options, TimeProvider time, ILogger<EndedPassCleanup> logger) : BackgroundService
{
    /// <summary>Passes a round takes.</summary>
    private const int RoundSize = 1000;
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                var revoked = await RunAsync(stoppingToken);
                if (revoked > 0)
                {
                    LogRevoked(logger, revoked);
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                LogFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Revokes every ended pass's credentials, in rounds; the number of passes revoked. Tests call it with a fake clock.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var system = Database.TenantScope.System("pass cleanup: ended passes of every organisation");
        var total = 0;
        while (await RoundAsync(cancellationToken) is var passes and > 0)
        {
            total += passes;
        }

        return total;
    }

    private async Task<int> RoundAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var revoked = (await conn.QueryAsync<(Guid Id, Guid PassId, Guid LocationId)>(new CommandDefinition(
            """
            WITH due AS (
                SELECT DISTINCT p.id AS pass_id, p.location_id
                FROM credentials c
                JOIN (SELECT id, location_id, ends_at FROM bookings UNION ALL SELECT id, location_id, ends_at FROM visitors) p ON p.id = c.pass_holder_id
                WHERE c.pass_holder_id IS NOT NULL AND c.revoked_at IS NULL AND p.ends_at <= @cutoff
                ORDER BY p.id
                LIMIT @limit),
            ended AS (
                SELECT c.id, d.pass_id, d.location_id
                FROM credentials c JOIN due d ON d.pass_id = c.pass_holder_id
                WHERE c.revoked_at IS NULL
                ORDER BY c.id
                FOR UPDATE OF c)
            UPDATE credentials c SET revoked_at = @now FROM ended e
            WHERE c.id = e.id
            RETURNING c.id, e.pass_id, e.location_id
            """,
            new { now, cutoff = now - options.Grace, limit = RoundSize },
            tx,
            cancellationToken: cancellationToken))).ToList();
        if (revoked.Count == 0)
        {
            return 0;
        }

        var passes = revoked.Select(r => r.PassId).Distinct().ToList();
        await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.PassesAsync(conn, tx, passes, cancellationToken), now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return passes.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Revoked the credentials of {Count} ended booking(s) and visitor pass(es)")]
    private static partial void LogRevoked(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Revoking ended passes failed; retrying at the next tick")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
