using System.Diagnostics;
using System.Text.Json;
using Coworking.EndToEnd.Tests.Sync;
using Coworking.Testing.Sync;
using Npgsql;
using Xunit.Abstractions;

namespace Coworking.EndToEnd.Tests.Billing;

/// <summary>
/// Dunning reaches the door: the hub, the edge, firmware-sim's reader on a pty and its Stripe API as real processes,
/// the hub on the real Stripe.net client. Retries are seconds apart (Billing:RetryDelays) and the billing clock ticks
/// every second (Billing:ScheduleInterval), so the days of a real schedule pass in a few seconds.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class DunningAtTheDoorTests(ITestOutputHelper output)
{
    private const string DecliningCard = "4000000000000341";
    private const string GoodCard = "4242424242424242";
    private const int Attempts = 3;

    [Fact]
    public async Task Member_whose_card_keeps_failing_is_refused_at_the_door_and_let_in_again_after_paying_with_a_good_card()
    {
        await using var stripe = await StripeSim.StartAsync();
        await using var site = await SyncSite.StartAsync(hubSettings:
        [
            .. stripe.HubSettings,
            "--Billing:RetryDelays:0=00:00:02",
            "--Billing:RetryDelays:1=00:00:02",
            $"--Billing:SuspendAfterFailures={Attempts}",
            "--Billing:ScheduleInterval=00:00:01",
        ],
        adaJoined: false);
        await stripe.SendWebhooksToAsync(site.Hub.ApiUrl);
        try
        {
            await SuspendedAndReinstatedAsync(site, stripe);
        }
        catch
        {
            output.WriteLine(site.Hub.Output);
            throw;
        }
    }

    private async Task SuspendedAndReinstatedAsync(SyncSite site, StripeSim stripe)
    {
        var tier = (await site.Api.PostAsync("/api/v1/tiers", new
        {
            name = "Resident",
            terms = new { kind = "hot_desk", priceMinor = 45000, currency = "GBP", billingInterval = "monthly", access = "all_hours" },
        })).GetProperty("id").GetGuid();

        var declining = await SaveCardAsync(site, stripe, DecliningCard);
        var customer = await CustomerOfAsync(site);
        Assert.Equal(declining, (await stripe.CustomerAsync(customer)).GetProperty("invoice_settings").GetProperty("default_payment_method").GetString());
        Assert.Equal("denied", await site.BadgeAsync());

        await site.Api.PostAsync($"/api/v1/members/{site.AdaId}/membership", new { tierId = tier, channel = "website" });
        await site.SyncedAsync();
        Assert.Equal("granted", await site.BadgeAsync());
        var invoice = await Eventually.Async(() => ScalarAsync<Guid?>(site, "SELECT id FROM invoices WHERE member_id = @ada"), i => i is not null, "the plan is invoiced");
        var lastFailure = await Eventually.Async(
            () => ScalarAsync<DateTime?>(site, $"SELECT max(updated_at) FROM payment_attempts WHERE status = 'failed' AND attempt = {Attempts} AND invoice_id IN (SELECT id FROM invoices WHERE member_id = @ada)"),
            at => at is not null,
            $"attempt {Attempts} has failed",
            () => site.Hub.Output);
        await Eventually.Async(async () => await site.BadgeAsync() == "denied", "the door refuses the suspended member", () => site.Hub.Output);
        var refusedAfter = DateTime.UtcNow - lastFailure!.Value;

        Assert.Equal("suspended", (await site.Api.GetAsync($"/api/v1/members/{site.AdaId}")).GetProperty("status").GetString());
        Assert.Equal(Attempts, await ScalarAsync<long>(site, "SELECT count(*) FROM payment_attempts WHERE status = 'failed' AND invoice_id IN (SELECT id FROM invoices WHERE member_id = @ada)"));

        var good = await SaveCardAsync(site, stripe, GoodCard);
        var pressedPay = Stopwatch.StartNew();
        await site.Api.PostAsync($"/api/v1/invoices/{invoice}/collect", new { });
        await Eventually.Async(
            async () => (await site.Api.GetAsync($"/api/v1/invoices/{invoice}")).GetProperty("status").GetString() == "paid", "the invoice is paid", () => site.Hub.Output);
        await Eventually.Async(async () => await site.BadgeAsync() == "granted", "the door opens for the reinstated member", () => site.Hub.Output);
        pressedPay.Stop();

        Assert.Equal("active", (await site.Api.GetAsync($"/api/v1/members/{site.AdaId}")).GetProperty("status").GetString());
        Assert.Equal(good, (await stripe.CustomerAsync(customer)).GetProperty("invoice_settings").GetProperty("default_payment_method").GetString());
        Assert.Equal(1, await ScalarAsync<long>(site, "SELECT count(*) FROM payment_attempts WHERE status = 'succeeded' AND invoice_id IN (SELECT id FROM invoices WHERE member_id = @ada)"));
        output.WriteLine($"measured: door refused {refusedAfter.TotalMilliseconds:F0} ms after the hub recorded failure {Attempts}; door opened {pressedPay.ElapsedMilliseconds} ms after paying with the good card (badges polled one after another)");
    }

    /// <summary>The member opens the hub's card page (Checkout in setup mode at the sim) and types a card in; answers the saved payment method once the hub has it.</summary>
    private static async Task<string> SaveCardAsync(SyncSite site, StripeSim stripe, string card)
    {
        var page = (await site.Api.PostAsync($"/api/v1/members/{site.AdaId}/card-setup", new { })).GetProperty("url").GetString()!;
        var completed = await stripe.CompleteCheckoutAsync(new Uri(page), card);
        var paymentMethod = completed.GetProperty("paymentMethod").GetString()!;
        await Eventually.Async(
            async () => await ScalarAsync<string?>(site, "SELECT payment_method_id FROM billing_customers WHERE member_id = @ada") == paymentMethod,
            "the hub has saved the card",
            () => site.Hub.Output);
        await Eventually.Async(
            async () => (await stripe.CustomerAsync(await CustomerOfAsync(site))).GetProperty("invoice_settings").GetProperty("default_payment_method").GetString() == paymentMethod,
            "the hub has made the card the customer's default");
        return paymentMethod;
    }

    private static async Task<string> CustomerOfAsync(SyncSite site) =>
        (await ScalarAsync<string?>(site, "SELECT stripe_customer_id FROM billing_customers WHERE member_id = @ada"))!;

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
