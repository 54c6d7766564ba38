using Coworking.Hub.Database;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Coworking.Hub.Sensors;

/// <summary>
/// Keeps sensor_samples' month partitions (migration 0121): makes the current month's and
/// <see cref="SensorOptions.PartitionsAhead"/> more, and drops the months that ended before the raw retention. Creating
/// and dropping run as the tables' owner inside the SQL functions; several hub instances may run this at once. The edges'
/// 5-minute aggregates (occupancy_windows, migration 0190) older than the retention are deleted in the same round.
/// </summary>
public sealed class SamplePartitions(TenantDataSource db, TimeProvider time, IOptions<SensorOptions> options, ILogger<SamplePartitions> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PartitionInterval, time);
        do
        {
            try
            {
                await MaintainAsync(stoppingToken);
            }
            catch (NpgsqlException ex)
            {
                log.LogWarning(ex, "Sensor sample partitions could not be kept; trying again next round");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Makes the partitions ahead and drops those past the retention; the names of the partitions dropped.</summary>
    public async Task<IReadOnlyList<string>> MaintainAsync(CancellationToken cancellationToken)
    {
        using var system = TenantScope.System("sensor sample partitions: every organisation's samples");
        var now = time.GetUtcNow();
        var month = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var ahead = Enumerable.Range(0, options.Value.PartitionsAhead + 1).Select(i => month.AddMonths(i)).ToArray();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            "SELECT sensor_samples_partition(m) FROM unnest(@ahead) AS m", new { ahead }, tx, cancellationToken: cancellationToken));
        var dropped = (await conn.QueryAsync<string>(new CommandDefinition(
            "SELECT sensor_samples_drop_before(@cutoff)", new { cutoff = now - options.Value.RawRetention }, tx, cancellationToken: cancellationToken))).ToList();
        await conn.ExecuteAsync(new CommandDefinition(
            "DELETE FROM occupancy_windows WHERE window_start < @cutoff", new { cutoff = now - options.Value.RawRetention }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        if (dropped.Count > 0)
        {
            log.LogInformation("Dropped sensor sample partitions past the raw retention: {Partitions}", string.Join(", ", dropped));
        }

        return dropped;
    }
}
