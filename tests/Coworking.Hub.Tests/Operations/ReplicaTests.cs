using System.Net;
using System.Text.Json.Nodes;
using Coworking.Hub.Database;
using Coworking.Hub.Telemetry;
using Coworking.Hub.Tests.Support;
using Coworking.Testing;
using Coworking.Testing.Sync;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Hub.Tests.Operations;

/// <summary>A hub whose <c>ConnectionStrings:Reports</c> is a real streaming replica of its database (<c>pg_basebackup -R</c>).</summary>
public sealed class ReplicaHubFixture : ClockedHubFixture
{
    public PgCopy Replica { get; private set; } = null!;

    protected override IReadOnlyList<string> MoreSettings =>
    [
        $"--ConnectionStrings:Reports={Replica.Same(PostgresServer.As(ConnectionString, PostgresServer.HubRole))}",
        "--Telemetry:Metrics:Enabled=true",
    ];

    protected override async Task BeforeStartAsync() => Replica = await PgCopy.BaseBackupAsync((await PostgresServer.SharedAsync()).ConnectionString, PgCopy.Start.Standby);

    protected override async Task AfterStopAsync() => await Replica.DisposeAsync();
}

/// <summary>Reports read from the replica, never write, and the hub says how far behind the replica is.</summary>
public sealed class ReplicaTests(ReplicaHubFixture hub) : IClassFixture<ReplicaHubFixture>
{
    [Fact]
    public async Task Reports_read_on_the_replica_what_the_primary_committed_and_cannot_write()
    {
        var reports = hub.Services.GetRequiredService<ReportsDataSource>();
        var location = await HubFixture.CreateLocationAsync(hub.Admin, "Replica Street");

        using (TenantScope.Organisation(hub.OrganisationId))
        {
            var seen = await Eventually.Async(
                async () =>
                {
                    await using var conn = await reports.OpenConnectionAsync();
                    return await conn.QuerySingleAsync<(bool InRecovery, int Port, long Found)>(
                        "SELECT pg_is_in_recovery() AS in_recovery, inet_server_port() AS port, (SELECT count(*) FROM locations WHERE id = @location) AS found",
                        new { location });
                },
                read => read.Found == 1,
                "the new location on the replica");
            await using var write = await reports.OpenConnectionAsync();
            var refused = await Assert.ThrowsAsync<PostgresException>(() => write.ExecuteAsync("UPDATE locations SET name = 'x' WHERE id = @location", new { location }));

            Assert.True(reports.UsesReplica);
            Assert.True(seen.InRecovery);
            Assert.Equal(new NpgsqlConnectionStringBuilder(hub.Replica.ConnectionString("postgres")).Port, seen.Port);
            Assert.Equal("25006", refused.SqlState);
        }
    }

    [Fact]
    public async Task Readyz_and_metrics_report_the_replica_lag_and_it_grows_while_replay_is_paused()
    {
        var ready = await ReadyAsync();
        Assert.Equal("replica", ready["reports"]!["source"]!.GetValue<string>());
        Assert.True(ready["reports"]!["lagSeconds"]!.GetValue<double>() >= 0);

        await using var replica = new NpgsqlConnection(hub.Replica.ConnectionString(new NpgsqlConnectionStringBuilder(hub.ConnectionString).Database!));
        await replica.OpenAsync();
        await replica.ExecuteAsync("SELECT pg_wal_replay_pause()");
        try
        {
            await HubFixture.CreateLocationAsync(hub.Admin, "Written while the replica waits");
            var behind = await Eventually.Async(ReadyAsync, r => r["reports"]!["lagBytes"]!.GetValue<long>() > 0, "the replica reported behind");
            await hub.Services.GetRequiredService<MetricsSampler>().SampleAsync(CancellationToken.None);
            using var scrape = hub.Client(null);
            var text = await scrape.GetStringAsync(TelemetrySetup.MetricsPath);

            Assert.True(behind["reports"]!["lagSeconds"]!.GetValue<double>() >= 0);
            Assert.Matches("""coworking_reports_replica_lag_bytes(\{[^}]*\})? [1-9]""", text);
            Assert.Matches("""coworking_reports_replica_lag_seconds(\{[^}]*\})? [0-9]""", text);
        }
        finally
        {
            await replica.ExecuteAsync("SELECT pg_wal_replay_resume()");
        }
    }

    private async Task<JsonObject> ReadyAsync()
    {
        using var client = hub.Client(null);
        using var answer = await client.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return await answer.SuccessBodyAsync();
    }
}
