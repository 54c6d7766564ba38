using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Access;
using Coworking.Hub.Billing;
using Coworking.Hub.Tests.Support;
using Coworking.Proto.V1;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Hub.Tests.Billing;

/// <summary>Stripe's webhook, card collection and dunning, against a fake gateway and events signed as Stripe signs them.</summary>
public sealed class PaymentTests(BillingHubFixture hub) : IClassFixture<BillingHubFixture>
{
    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Webhook_with_a_bad_signature_is_refused_and_changes_nothing()
    {
        var (_, _, invoice) = await OpenInvoiceAsync(FakePaymentGateway.PendingCard);
        var events = await hub.CountAsync("stripe_events");
        var succeeded = PaymentIntentEvent("payment_intent.succeeded", invoice, attempt: 1);

        using var forged = await hub.DeliverAsync(succeeded, BillingHubFixture.Sign(succeeded, hub.Time.GetUtcNow(), "whsec_someone_else"));
        using var tampered = await hub.DeliverAsync(succeeded.Replace("\"amount\":20000", "\"amount\":1", StringComparison.Ordinal), BillingHubFixture.Sign(succeeded, hub.Time.GetUtcNow()));
        using var unsigned = await hub.DeliverAsync(succeeded, "t=1,v1=00");

        Assert.All([forged, tampered, unsigned], r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        Assert.Equal(events, await hub.CountAsync("stripe_events"));
        Assert.Equal("open", (await InvoiceAsync(invoice))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Webhook_signed_more_than_five_minutes_ago_is_refused_and_changes_nothing()
    {
        var (_, _, invoice) = await OpenInvoiceAsync(FakePaymentGateway.PendingCard);
        var succeeded = PaymentIntentEvent("payment_intent.succeeded", invoice, attempt: 1);

        using var stale = await hub.DeliverAsync(succeeded, BillingHubFixture.Sign(succeeded, hub.Time.GetUtcNow().AddMinutes(-6)));

        Assert.Equal(HttpStatusCode.BadRequest, stale.StatusCode);
        Assert.Equal("open", (await InvoiceAsync(invoice))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Same_event_delivered_fifty_times_pays_the_invoice_once()
    {
        var (_, _, invoice) = await OpenInvoiceAsync(FakePaymentGateway.PendingCard);
        var succeeded = PaymentIntentEvent("payment_intent.succeeded", invoice, attempt: 1);

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => hub.DeliverAsync(succeeded)));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var paid = await InvoiceAsync(invoice);
        Assert.Equal("paid", paid["status"]!.GetValue<string>());
        Assert.Equal(0, paid["amountDueMinor"]!.GetValue<long>());
        Assert.Equal(1, await hub.ScalarAsync("SELECT count(*) FROM payments WHERE invoice_id = @id", invoice));
        Assert.Equal(1, await hub.ScalarAsync("SELECT count(*) FROM stripe_events WHERE id = 'evt_' || replace(@id::text, '-', '') || '_succeeded_1'", invoice));
    }

    [Fact]
    public async Task Failure_delivered_after_the_success_of_the_same_attempt_leaves_the_invoice_paid()
    {
        var (_, member, invoice) = await OpenInvoiceAsync(FakePaymentGateway.PendingCard);

        using (await hub.DeliverAsync(PaymentIntentEvent("payment_intent.succeeded", invoice, attempt: 1))) { }
        using (await hub.DeliverAsync(PaymentIntentEvent("payment_intent.payment_failed", invoice, attempt: 1))) { }

        var after = await InvoiceAsync(invoice);
        Assert.Equal("paid", after["status"]!.GetValue<string>());
        Assert.Equal(0, after["failedAttempts"]!.GetValue<int>());
        Assert.Equal("active", (await hub.Admin.GetJsonAsync($"/api/v1/members/{member}"))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Older_saved_card_delivered_after_a_newer_one_keeps_the_newer_card()
    {
        var (_, member, _) = await OpenInvoiceAsync(FakePaymentGateway.PendingCard);
        var now = hub.Time.GetUtcNow();

        using (await hub.DeliverAsync(SetupIntentEvent(member, "pm_card_newer", now.AddSeconds(20)))) { }
        using (await hub.DeliverAsync(SetupIntentEvent(member, "pm_card_older", now.AddSeconds(10)))) { }

        await using var conn = new NpgsqlConnection(hub.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT payment_method_id FROM billing_customers WHERE member_id = @id", conn);
        cmd.Parameters.AddWithValue("id", member);
        Assert.Equal("pm_card_newer", await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Declining_card_is_retried_after_3_5_and_7_days_then_suspends_and_a_good_card_reinstates_at_once()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member, invoice) = await OpenInvoiceAsync(FakePaymentGateway.DecliningCard);
        var clock = hub.Services.GetRequiredService<BillingClock>();
        var first = await InvoiceAsync(invoice);
        Assert.Equal(1, first["failedAttempts"]!.GetValue<int>());
        Assert.Equal(hub.Time.GetUtcNow().AddDays(3), first["nextAttemptAt"]!.GetValue<DateTimeOffset>());
        var mail = await WaitForMailAsync("Payment failed");
        Assert.Contains("https://checkout.stripe.test/c/pay/cs_test_", mail, StringComparison.Ordinal);

        foreach (var (days, failures) in new[] { (3, 2), (5, 3) })
        {
            hub.Time.Advance(TimeSpan.FromDays(days));
            await clock.TickAsync(default);
            await FailedAttemptsAreAsync(invoice, failures);
            Assert.Equal("active", (await hub.Admin.GetJsonAsync($"/api/v1/members/{member}"))["status"]!.GetValue<string>());
        }

        hub.Time.Advance(TimeSpan.FromDays(7));
        await clock.TickAsync(default);

        await FailedAttemptsAreAsync(invoice, 4);
        await MemberStatusIsAsync(member, "suspended");
        Assert.Equal(4, await hub.CountAsync($"mail_outbox WHERE kind = 'payment_failed' AND about = 'payment failure of invoice {invoice}'"));
        Assert.Contains("https://checkout.stripe.test/c/pay/cs_test_", await WaitForMailAsync("Payment failed", "Your membership is suspended until it is paid"), StringComparison.Ordinal);
        Assert.Equal(HolderStatus.Suspended, (await LastHolderAsync(site.LocationId, member)).Status);
        Assert.Equal(4, hub.Gateway.Charges.Count(c => c.Key.StartsWith($"invoice-{invoice}-", StringComparison.Ordinal)));

        using (await hub.DeliverAsync(SetupIntentEvent(member, FakePaymentGateway.GoodCard, hub.Time.GetUtcNow()))) { }
        await clock.TickAsync(default);

        Assert.Equal("paid", (await InvoiceAsync(invoice))["status"]!.GetValue<string>());
        await MemberStatusIsAsync(member, "active");
        Assert.Equal(HolderStatus.Active, (await LastHolderAsync(site.LocationId, member)).Status);
    }

    [Fact]
    public async Task Open_invoice_is_paid_by_hand_with_a_newly_saved_card_which_becomes_the_default_and_a_manager_elsewhere_gets_404()
    {
        var (_, member, invoice) = await OpenInvoiceAsync(FakePaymentGateway.DecliningCard);
        var elsewhere = await Workspace.SiteAsync(hub.Admin);
        var key = await hub.Admin.PostJsonAsync("/api/v1/api-keys", new { name = "elsewhere", role = "location_manager", locationIds = new[] { elsewhere.LocationId } });
        var stranger = hub.Client(key["apiKey"]!.GetValue<string>());

        using (var hidden = await stranger.PostAsJsonAsync($"/api/v1/invoices/{invoice}/collect", new { }))
        {
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        }

        using (var hiddenCard = await stranger.PostAsJsonAsync($"/api/v1/members/{member}/card-setup", new { }))
        {
            Assert.Equal(HttpStatusCode.NotFound, hiddenCard.StatusCode);
        }

        Assert.Equal(1, (await InvoiceAsync(invoice))["failedAttempts"]!.GetValue<int>());
        using (await hub.DeliverAsync(SetupIntentEvent(member, FakePaymentGateway.GoodCard, hub.Time.GetUtcNow()))) { }
        var paid = await hub.Admin.PostJsonAsync($"/api/v1/invoices/{invoice}/collect", new { });

        Assert.Equal("paid", paid["status"]!.GetValue<string>());
        Assert.Equal(FakePaymentGateway.GoodCard, hub.Gateway.DefaultCards[$"cus_{member:N}"]);
        Assert.Equal(2, hub.Gateway.Charges.Count(c => c.Key.StartsWith($"invoice-{invoice}-", StringComparison.Ordinal)));
        using var again = await hub.Admin.PostAsJsonAsync($"/api/v1/invoices/{invoice}/collect", new { });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Card_setup_returns_only_to_the_hub_or_its_portal()
    {
        hub.Time.AdjustTime(Monday);
        var site = await Workspace.SiteAsync(hub.Admin);
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, null);

        using var elsewhere = await hub.Admin.PostAsJsonAsync($"/api/v1/members/{member}/card-setup", new { returnUrl = "https://portal.coworking.test.evil.example/billing" });
        Assert.Contains("returnUrl", (await elsewhere.ProblemAsync(422)).ErrorFields());
        await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/card-setup", new { returnUrl = "https://portal.coworking.test/members/billing" });
        await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/card-setup", new { returnUrl = new Uri(hub.BaseAddress, "/portal/billing") });
    }

    /// <summary>A member of a £200.00 tier with a saved card, and the invoice for their first period, collected once.</summary>
    private async Task<(Site Site, Guid Member, Guid Invoice)> OpenInvoiceAsync(string card)
    {
        hub.Time.AdjustTime(Monday);
        var site = await Workspace.SiteAsync(hub.Admin);
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, await Workspace.TierAsync(hub.Admin, Workspace.Terms()));
        var setup = await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/card-setup", new { });
        Assert.StartsWith("https://checkout.stripe.test/", setup["url"]!.GetValue<string>(), StringComparison.Ordinal);
        using (var saved = await hub.DeliverAsync(SetupIntentEvent(member, card, hub.Time.GetUtcNow())))
        {
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        }

        await hub.Services.GetRequiredService<BillingClock>().TickAsync(default);
        var invoices = (await hub.Admin.GetJsonAsync($"/api/v1/members/{member}/invoices")).Items();
        return (site, member, Assert.Single(invoices).Id());
    }

    private async Task MemberStatusIsAsync(Guid member, string status) =>
        Assert.Equal(status, (await hub.Admin.GetJsonAsync($"/api/v1/members/{member}"))["status"]!.GetValue<string>());

    private async Task FailedAttemptsAreAsync(Guid invoice, int failures) =>
        Assert.Equal(failures, (await InvoiceAsync(invoice))["failedAttempts"]!.GetValue<int>());

    private Task<JsonObject> InvoiceAsync(Guid invoice) => hub.Admin.GetJsonAsync($"/api/v1/invoices/{invoice}");

    private static string PaymentIntentEvent(string type, Guid invoice, int attempt)
    {
        var suffix = type.EndsWith("succeeded", StringComparison.Ordinal) ? "succeeded" : "failed";
        var error = suffix == "failed" ? ",\"last_payment_error\":{\"type\":\"card_error\",\"code\":\"card_declined\",\"decline_code\":\"generic_decline\"}" : string.Empty;
        return $$"""
            {"id":"evt_{{invoice:N}}_{{suffix}}_{{attempt}}","object":"event","api_version":"2025-01-27.acacia","created":{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}},"livemode":false,"pending_webhooks":1,"type":"{{type}}",
             "data":{"object":{"id":"pi_{{invoice:N}}_{{attempt}}","object":"payment_intent","amount":20000,"currency":"gbp","status":"{{(suffix == "failed" ? "requires_payment_method" : "succeeded")}}",
             "metadata":{"invoice_id":"{{invoice}}","attempt":"{{attempt}}"}{{error}} } } }
            """;
    }

    private static string SetupIntentEvent(Guid member, string paymentMethod, DateTimeOffset created) => $$"""
        {"id":"evt_setup_{{Guid.NewGuid():N}}","object":"event","api_version":"2025-01-27.acacia","created":{{created.ToUnixTimeSeconds()}},"livemode":false,"pending_webhooks":1,"type":"setup_intent.succeeded",
         "data":{"object":{"id":"seti_{{Guid.NewGuid():N}}","object":"setup_intent","status":"succeeded","usage":"off_session","customer":"cus_{{member:N}}","payment_method":"{{paymentMethod}}"} } }
        """;

    private async Task<string> WaitForMailAsync(string subject, string? saying = null)
    {
        for (var i = 0; i < 100; i++)
        {
            if (Directory.Exists(hub.Mailbox))
            {
                foreach (var file in Directory.GetFiles(hub.Mailbox, "*.eml"))
                {
                    var message = await MimeKit.MimeMessage.LoadAsync(file);
                    if (message.Subject?.StartsWith(subject, StringComparison.Ordinal) == true
                        && (saying is null || message.TextBody?.Contains(saying, StringComparison.Ordinal) == true))
                    {
                        return message.TextBody ?? string.Empty;
                    }
                }
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"no mail '{subject}' saying '{saying}' in {hub.Mailbox}");
    }

    private async Task<HolderUpsert> LastHolderAsync(Guid location, Guid holder)
    {
        var log = await hub.Services.GetRequiredService<ChangeLogStore>().ReadAsync(location, 0, 10_000, default);
        return log.Last(c => c.Holder?.HolderId == holder.ToString()).Holder;
    }
}
