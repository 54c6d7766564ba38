using System.Net;
using System.Net.Http.Headers;
using Coworking.Hub.Tests.Support;
using Coworking.Testing;
using Coworking.Testing.Sync;
using Npgsql;

namespace Coworking.Hub.Tests.Database;

public sealed class NotificationConnectionTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Fact]
    public async Task Each_instance_listens_on_one_connection_and_hears_revocations_again_after_losing_it()
    {
        await using var second = HubApp.Build(["--urls", "http://127.0.0.1:0", .. PostgresServer.HubSettings(hub.ConnectionString), "--Serilog:MinimumLevel:Default=Warning", "--Billing:RunSchedules=false"]);
        await second.StartAsync();
        await Instances.ListeningAsync(hub.Services, second.Services);
        var before = await ListeningBackendsAsync();

        await using (var conn = new NpgsqlConnection(hub.ConnectionString))
        {
            await conn.OpenAsync();
            await using var kill = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pg_terminate_backend(pid)", conn);
            await kill.ExecuteScalarAsync();
        }

        await Eventually.Async(
            async () => (await ListeningBackendsAsync()).Except(before).Count() == 2, "both instances listen again, on new connections");
        await Instances.ListeningAsync(hub.Services, second.Services);
        var created = await hub.Admin.PostJsonAsync("/api/v1/api-keys", new { name = "after the loss", role = "org_admin" });
        using var throughSecond = new HttpClient { BaseAddress = new Uri(second.Urls.Single()) };
        throughSecond.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created["apiKey"]!.GetValue<string>());
        using var remembered = await throughSecond.GetAsync("/api/v1/locations");
        using var revoke = await hub.Admin.DeleteAsync($"/api/v1/api-keys/{created["key"]!["id"]!.GetValue<Guid>()}");
        using var after = await throughSecond.GetAsync("/api/v1/locations");
        await second.StopAsync();

        Assert.Equal(2, before.Count);
        Assert.Equal(HttpStatusCode.OK, remembered.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        await after.ProblemAsync(401);
    }

    /// <summary>The process ids of this test's hubs' database sessions that LISTEN (their last statement was a LISTEN).</summary>
    private async Task<List<int>> ListeningBackendsAsync()
    {
        await using var conn = new NpgsqlConnection(hub.ConnectionString);
        await conn.OpenAsync();
        await using var select = new NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'", conn);
        await using var reader = await select.ExecuteReaderAsync();
        var pids = new List<int>();
        while (await reader.ReadAsync())
        {
            pids.Add(reader.GetInt32(0));
        }

        return pids;
    }
}
