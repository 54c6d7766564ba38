using System.Data;
using Coworking.Hub.Database;
using Npgsql;

namespace Coworking.Hub.Reports;

/// <summary>Where reports read: a connection holding one read-only snapshot, under the caller's tenant scope.</summary>
public interface IReportsDatabase
{
    /// <summary>The name of the connection string reports prefer (a streaming replica), read once at start.</summary>
    const string ConnectionName = "Reports";

    /// <summary>
    /// Opens a connection with a read-only, repeatable-read transaction, so every query of one report sees the same
    /// snapshot and none takes a lock a booking would wait for. JIT is off for the transaction.
    /// </summary>
    Task<ReportSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken);
}

/// <summary>A connection and its read-only transaction, disposed together.</summary>
public sealed class ReportSnapshot(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
{
    public NpgsqlConnection Connection => connection;

    public NpgsqlTransaction Transaction => transaction;

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}

/// <summary>
/// Reads from <c>ConnectionStrings:Reports</c> when it is set (a replica: heavy reports stay off the primary), else from
/// the hub's own pool. Either way each connection carries the request's tenant scope (<see cref="TenantDataSource"/>),
/// so row-level security holds on the replica as on the primary.
/// </summary>
internal sealed class ReportsDatabase(TenantDataSource tenants, NpgsqlDataSource? ownPool = null) : IReportsDatabase, IAsyncDisposable
{
    /// <summary>Closes the replica's pool, which the reports opened themselves; the primary's is the hub's.</summary>
    public ValueTask DisposeAsync() => ownPool?.DisposeAsync() ?? ValueTask.CompletedTask;

    public async Task<ReportSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken)
    {
        var connection = await tenants.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            // JIT compiling a report's plan costs more than running it (seconds under load, for queries of a second at most).
            await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY; SET LOCAL jit = off", connection, transaction))
            {
                await readOnly.ExecuteNonQueryAsync(cancellationToken);
            }

            return new ReportSnapshot(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}

public static class ReportsSetup
{
    /// <summary>
    /// Registers the reports: their database (the <see cref="IReportsDatabase.ConnectionName"/> connection string when set,
    /// else the primary) and their queries.
    /// </summary>
    public static IServiceCollection AddReports(this IServiceCollection services, IConfiguration configuration)
    {
        if (configuration.GetConnectionString(IReportsDatabase.ConnectionName) is { Length: > 0 } replica)
        {
            services.AddSingleton<IReportsDatabase>(_ =>
            {
                var pool = HubApp.CreateDataSource(replica);
                return new ReportsDatabase(new TenantDataSource(pool), pool);
            });
        }
        else
        {
            services.AddSingleton<IReportsDatabase>(services => new ReportsDatabase(services.GetRequiredService<TenantDataSource>()));
        }

        services.AddSingleton<RevenueReport>();
        services.AddSingleton<AgedDebtReport>();
        services.AddSingleton<MrrReport>();
        services.AddSingleton<MembersReport>();
        services.AddSingleton<ChannelsReport>();
        return services;
    }
}
