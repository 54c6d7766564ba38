using System.Data;
using Coworking.Hub.Reports;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Database;

/// <summary>How far the reports replica is behind the primary, as it says itself; null values when it does not answer.</summary>
/// <param name="Source">replica, or primary when <c>ConnectionStrings:Reports</c> is not set.</param>
/// <param name="LagSeconds">0 when the replica has replayed all it received, else the age of the last transaction it replayed.</param>
/// <param name="LagBytes">WAL the primary has written that the replica has not replayed.</param>
public sealed record ReportsSourceStatus(string Source, double? LagSeconds = null, long? LagBytes = null, string? Problem = null);

/// <summary>
/// Connections for read-only work (reports, utilisation, exports): to the streaming replica that
/// <c>ConnectionStrings:Reports</c> names, else to the primary. Opened like <see cref="TenantDataSource"/>'s (the tenant
/// scope in the session, so row-level security holds), in a read-only session, so a report that tried to write fails on
/// the primary as it would on a replica. A replica may be a little behind: <see cref="StatusAsync"/> says how much.
/// The one seam for read-only work: the reports take it as their <see cref="IReportsDatabase"/>.
/// </summary>
public sealed class ReportsDataSource : IReportsDatabase, IAsyncDisposable
{
    private readonly TenantDataSource _reads;
    private readonly NpgsqlDataSource _readPool;
    private readonly NpgsqlDataSource _primary;
    private readonly NpgsqlDataSource? _replica;

    public ReportsDataSource(NpgsqlDataSource primary, string primaryConnectionString, string? reportsConnectionString)
    {
        _primary = primary;
        var readOnly = new NpgsqlConnectionStringBuilder(reportsConnectionString ?? primaryConnectionString);
        readOnly.Options = $"{readOnly.Options} -c default_transaction_read_only=on".Trim();
        _readPool = HubApp.CreateDataSource(readOnly.ConnectionString);
        _replica = reportsConnectionString is null ? null : _readPool;
        _reads = new TenantDataSource(_readPool);
    }

    /// <summary>True when reads go to a replica.</summary>
    public bool UsesReplica => _replica is not null;

    /// <summary>A read-only connection with the current tenant scope, on the replica when there is one.</summary>
    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) => _reads.OpenConnectionAsync(cancellationToken);

    /// <summary>
    /// A read-only connection in a repeatable-read transaction, so every query of one report sees the same snapshot and
    /// none takes a lock a booking would wait for.
    /// </summary>
    public async Task<ReportSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken)
    {
        var connection = await _reads.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);

            // JIT compiling a report's plan costs more than running it (seconds under load, for queries of a second at most).
            await using (var noJit = new NpgsqlCommand("SET LOCAL jit = off", connection, transaction))
            {
                await noJit.ExecuteNonQueryAsync(cancellationToken);
            }

            return new ReportSnapshot(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Closes the pool of read-only connections (the primary's pool is the hub's).</summary>
    public ValueTask DisposeAsync() => _readPool.DisposeAsync();

    /// <summary>Where reports read, and how far behind that is.</summary>
    public async Task<ReportsSourceStatus> StatusAsync(CancellationToken cancellationToken)
    {
        if (_replica is null)
        {
            return new ReportsSourceStatus("primary", 0, 0);
        }

        try
        {
            await using var replica = await _replica.OpenConnectionAsync(cancellationToken);
            var (inRecovery, replayed, seconds) = await replica.QuerySingleAsync<(bool, string?, double?)>(new CommandDefinition(
                """
                SELECT pg_is_in_recovery() AS in_recovery, pg_last_wal_replay_lsn()::text AS replayed,
                       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END AS seconds
                """,
                cancellationToken: cancellationToken));
            if (!inRecovery)
            {
                return new ReportsSourceStatus("replica", 0, 0, "ConnectionStrings:Reports is not a standby (it accepts writes)");
            }

            await using var primary = await _primary.OpenConnectionAsync(cancellationToken);
            var bytes = await primary.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT greatest(pg_wal_lsn_diff(pg_current_wal_lsn(), @replayed::pg_lsn), 0)::bigint", new { replayed }, cancellationToken: cancellationToken));
            return new ReportsSourceStatus("replica", Math.Max(seconds ?? 0, 0), bytes);
        }
        catch (NpgsqlException e)
        {
            return new ReportsSourceStatus("replica", Problem: $"the replica does not answer ({e.SqlState ?? e.GetType().Name})");
        }
    }
}

public static class ReportsDataSourceSetup
{
    /// <summary>
    /// Registers <see cref="ReportsDataSource"/> on <c>ConnectionStrings:Reports</c>, or on the primary when unset, and
    /// the same instance as the reports' <see cref="IReportsDatabase"/>.
    /// </summary>
    public static IServiceCollection AddReportsDataSource(this IServiceCollection services, IConfiguration configuration) =>
        services
            .AddSingleton(provider => new ReportsDataSource(provider.GetRequiredService<NpgsqlDataSource>(),
                configuration.GetConnectionString("Hub") ?? throw new InvalidOperationException("set the database in ConnectionStrings:Hub (env ConnectionStrings__Hub)"),
                configuration.GetConnectionString(IReportsDatabase.ConnectionName) is { Length: > 0 } reports ? reports : null))
            .AddSingleton<IReportsDatabase>(provider => provider.GetRequiredService<ReportsDataSource>());
}
