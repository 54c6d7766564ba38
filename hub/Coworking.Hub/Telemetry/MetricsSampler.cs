using Coworking.Hub.Database;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Telemetry;

/// <summary>
/// Reads the cluster-wide gauges of <see cref="HubMetrics"/> from the database every 15 seconds, as the system (they
/// span organisations): three small aggregate queries, so a scrape never waits on the database and many scrapes cost
/// nothing more. Every hub instance reports the same values; sum counters across instances, not these.
/// </summary>
internal sealed partial class MetricsSampler(TenantDataSource db, HubMetrics metrics, TimeProvider time, ILogger<MetricsSampler> logger, ReportsDataSource? reports = null)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await SampleAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                LogFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Reads the gauges now and publishes them. Tests call it.</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        using var system = TenantScope.System("metrics: edges and the mail outbox of every organisation");
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var lag = (await conn.QueryAsync<EdgeLag>(new CommandDefinition(
            """
            SELECT e.id AS edge_id, e.location_id, greatest(coalesce(s.last_seq, 0) - e.applied_seq, 0) AS behind
            FROM edges e LEFT JOIN location_seq s ON s.location_id = e.location_id
            WHERE e.revoked_at IS NULL AND e.connected_since IS NOT NULL
            """,
            cancellationToken: cancellationToken))).ToList();
        var mail = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL", cancellationToken: cancellationToken));
        var replica = reports is { UsesReplica: true } ? await reports.StatusAsync(cancellationToken) : null;
        metrics.Publish(new MetricsSample(lag.Count, lag, mail, time.GetUtcNow(), time, replica));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the metrics' gauges failed; retrying at the next tick")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
