using Coworking.Hub.Database;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Access;

/// <summary>
/// Gives an end to the membership grants sent before grants had one. A hub upgraded from then has edges holding
/// open-ended grants, which would admit a member whose renewal was never paid for as long as an edge is cut off
/// (ARCHITECTURE §3); each member whose last-sent grant (<c>access_sent</c>) has no <c>validUntil</c> is compiled again
/// at start-up, 200 at a time, so the edges get the grant through the paid period plus the grace. Once done it finds
/// nothing: a compiled grant always has its end. Several hub instances starting at once only share the work.
/// </summary>
internal sealed partial class OpenEndedGrantBackfill(TenantDataSource db, TimeProvider time, ILogger<OpenEndedGrantBackfill> logger) : BackgroundService
{
    private const int Batch = 200;
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await RunAsync(stoppingToken) is var count and > 0)
                {
                    LogBackfilled(logger, count);
                }

                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                LogFailed(logger, e);
                await Task.Delay(RetryAfter, time, stoppingToken);
            }
        }
    }

    /// <summary>Compiles every member with an open-ended grant; how many there were.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var system = TenantScope.System("backfill: the membership grants of every organisation sent before grants had an end");
        var done = new List<Guid>();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        while (true)
        {
            await using var tx = await conn.BeginTransactionAsync(cancellationToken);
            var members = (await conn.QueryAsync<Guid>(new CommandDefinition(
                """
                SELECT m.id FROM members m
                WHERE m.id <> ALL(@done) AND EXISTS (
                    SELECT 1 FROM access_sent s
                    WHERE s.holder_id = m.id AND s.entity LIKE 'grant:%' AND NOT (s.payload -> 'grant' ? 'validUntil'))
                ORDER BY m.id
                LIMIT @batch
                FOR NO KEY UPDATE SKIP LOCKED
                """,
                new { done = done.ToArray(), batch = Batch },
                tx,
                cancellationToken: cancellationToken))).ToList();
            if (members.Count == 0)
            {
                return done.Count;
            }

            await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.MembersAsync(conn, tx, members, cancellationToken), time.GetUtcNow(), cancellationToken);
            await tx.CommitAsync(cancellationToken);
            done.AddRange(members);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Gave an end to the membership grants of {Count} member(s) sent before grants had one")]
    private static partial void LogBackfilled(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ending open-ended membership grants failed; retrying in a minute")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
