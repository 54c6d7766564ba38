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

public static class ReportsSetup
{
    /// <summary>
    /// Registers the reports' queries; their database is the <see cref="ReportsDataSource"/>
    /// (<see cref="ReportsDataSourceSetup.AddReportsDataSource"/>).
    /// </summary>
    public static IServiceCollection AddReports(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<RevenueReport>();
        services.AddSingleton<AgedDebtReport>();
        services.AddSingleton<MrrReport>();
        services.AddSingleton<MembersReport>();
        services.AddSingleton<ChannelsReport>();
        services.AddSingleton<ForecastReport>();
        return services;
    }
}
