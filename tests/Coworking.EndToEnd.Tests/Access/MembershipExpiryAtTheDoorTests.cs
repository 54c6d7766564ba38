using Coworking.EndToEnd.Tests.Sync;
using Coworking.Testing.Sync;
using Npgsql;
using Xunit.Abstractions;

namespace Coworking.EndToEnd.Tests.Access;

/// <summary>
/// A membership grant carries its own end (paid through + the location's grace, ARCHITECTURE §3), so an edge cut off
/// from the hub stops admitting a member whose period was never paid. The hub runs on real time and invoices every
/// second; the edge runs under libfaketime (<see cref="EdgeClock"/>) so the test moves its wall clock past the grace.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class MembershipExpiryAtTheDoorTests(ITestOutputHelper output)
{
    private const int GraceDays = 3;

    [Fact]
    public async Task Unpaid_member_is_refused_as_expired_by_an_offline_edge_after_the_grace_and_let_in_again_once_the_hub_records_the_payment()
    {
        using var clock = new EdgeClock();
        await using var site = await SyncSite.StartAsync(hubSettings: ["--Billing:ScheduleInterval=00:00:01"], edgeSettings: clock.Environment, adaJoined: false);
        try
        {
            await ExpiredAndPaidAsync(site, clock);
        }
        catch
        {
            output.WriteLine(site.Hub.Output);
            throw;
        }
    }

    private static async Task ExpiredAndPaidAsync(SyncSite site, EdgeClock clock)
    {
        var tier = (await site.Api.PostAsync("/api/v1/tiers", new
        {
            name = "Resident",
            terms = new { kind = "hot_desk", priceMinor = 45000, currency = "GBP", billingInterval = "monthly", access = "all_hours" },
        })).GetProperty("id").GetGuid();
        var joined = (await site.Api.PostAsync($"/api/v1/members/{site.AdaId}/membership", new { tierId = tier, channel = "website" }))
            .GetProperty("joinedAt").GetDateTimeOffset();
        var invoice = await Eventually.Async(() => ScalarAsync<Guid?>(site, "SELECT id FROM invoices WHERE member_id = @ada"), i => i is not null, "the first period is invoiced");
        await site.SyncedAsync();
        var unpaidUntil = joined.AddDays(GraceDays);

        await site.Hub.KillAsync();
        await site.Edge.WaitForConnectedAsync(false);
        clock.MoveTo(unpaidUntil.AddHours(-1));
        var withinGrace = (await site.BadgeAsync(), await site.Edge.NewestReasonAsync());
        clock.MoveTo(unpaidUntil.AddHours(1));
        var pastGrace = (await site.BadgeAsync(), await site.Edge.NewestReasonAsync());

        await site.Hub.StartAsync();
        await site.Api.PostAsync($"/api/v1/invoices/{invoice}/payments", new { method = "bank_transfer", reference = "BACS 1842" });
        await site.Edge.WaitForConnectedAsync(true);
        await site.SyncedAsync();
        var paid = (await site.BadgeAsync(), await site.Edge.NewestReasonAsync());

        Assert.Equal(("granted", "granted"), withinGrace);
        Assert.Equal(("denied", "expired"), pastGrace);
        Assert.Equal(("granted", "granted"), paid);
    }

    private static async Task<T> ScalarAsync<T>(SyncSite site, string sql)
    {
        await using var conn = new NpgsqlConnection(site.Api.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue("ada", site.AdaId);
        var value = await cmd.ExecuteScalarAsync();
        return value is null or DBNull ? default! : (T)value;
    }
}
