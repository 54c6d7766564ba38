using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Billing;
using Coworking.Hub.Tests.Support;
using Coworking.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Stripe;

namespace Coworking.Hub.Tests.Billing;

/// <summary>
/// Organisations with their own Stripe accounts (two firmware-sim Stripe simulators), and payments that settle an invoice
/// only when they are what the hub asked for: a PaymentIntent is made at the simulator as anyone holding the account's
/// key could make one, and the simulator delivers its signed webhook to the organisation's endpoint.
/// </summary>
public sealed class StripeAccountTests(StripeSimHubFixture hub) : IClassFixture<StripeSimHubFixture>
{
    // Saves at Checkout, declines every charge (Stripe's 4000 0000 0000 0341).
    private const string DecliningCard = "4000000000000341";

    private const string GoodCard = "4242424242424242";

    [Fact]
    public async Task PaymentIntent_for_another_amount_leaves_the_invoice_open_and_flagged()
    {
        var (admin, invoice) = await DeclinedInvoiceAsync(hub.AccountA);
        var asked = (await admin.GetJsonAsync($"/api/v1/invoices/{invoice}"))["amountDueMinor"]!.GetValue<long>();

        var intent = await PayAtStripeAsync(hub.AccountA, invoice, attempt: 1, asked - 1, "gbp");

        var issue = await IssueOfAsync(admin, intent);
        Assert.Equal("amount", issue["reason"]!.GetValue<string>());
        Assert.Equal(asked, issue["expectedAmountMinor"]!.GetValue<long>());
        await InvoiceIsOpenAndFlaggedAsync(admin, invoice);
    }

    [Fact]
    public async Task PaymentIntent_in_another_currency_leaves_the_invoice_open_and_flagged()
    {
        var (admin, invoice) = await DeclinedInvoiceAsync(hub.AccountA);
        var asked = (await admin.GetJsonAsync($"/api/v1/invoices/{invoice}"))["amountDueMinor"]!.GetValue<long>();

        var intent = await PayAtStripeAsync(hub.AccountA, invoice, attempt: 1, asked, "usd");

        Assert.Equal("currency", (await IssueOfAsync(admin, intent))["reason"]!.GetValue<string>());
        await InvoiceIsOpenAndFlaggedAsync(admin, invoice);
    }

    [Fact]
    public async Task PaymentIntent_naming_an_attempt_the_hub_never_made_leaves_the_invoice_open_and_flagged()
    {
        var (admin, invoice) = await DeclinedInvoiceAsync(hub.AccountA);
        var asked = (await admin.GetJsonAsync($"/api/v1/invoices/{invoice}"))["amountDueMinor"]!.GetValue<long>();

        var intent = await PayAtStripeAsync(hub.AccountA, invoice, attempt: 7, asked, "gbp");

        Assert.Equal("unknown_attempt", (await IssueOfAsync(admin, intent))["reason"]!.GetValue<string>());
        await InvoiceIsOpenAndFlaggedAsync(admin, invoice);
    }

    [Fact]
    public async Task PaymentIntent_of_the_attempt_that_does_not_name_it_is_flagged_even_for_the_right_amount()
    {
        var (admin, invoice) = await DeclinedInvoiceAsync(hub.AccountA);
        var asked = (await admin.GetJsonAsync($"/api/v1/invoices/{invoice}"))["amountDueMinor"]!.GetValue<long>();

        // Attempt 1 was made (and declined) with a PaymentIntent of its own; another one naming it is not the hub's.
        var intent = await PayAtStripeAsync(hub.AccountA, invoice, attempt: 1, asked, "gbp");

        Assert.Equal("other_intent", (await IssueOfAsync(admin, intent))["reason"]!.GetValue<string>());
        await InvoiceIsOpenAndFlaggedAsync(admin, invoice);
    }

    [Fact]
    public async Task Card_charged_through_the_organisations_own_account_pays_the_invoice()
    {
        var (admin, invoice) = await InvoiceWithCardAsync(hub.AccountA, GoodCard);

        var paid = await WaitForAsync(admin, $"/api/v1/invoices/{invoice}", i => i["status"]!.GetValue<string>() == "paid");

        Assert.False(paid["flagged"]!.GetValue<bool>());
        Assert.Empty((await admin.GetJsonAsync($"/api/v1/payment-issues?invoiceId={invoice}")).Items());
        Assert.Equal(1, await hub.ScalarAsync("SELECT count(*) FROM payments WHERE invoice_id = @id", invoice));
    }

    [Fact]
    public async Task Two_organisations_with_their_own_stripe_accounts_are_kept_apart()
    {
        var (adminA, invoiceA) = await DeclinedInvoiceAsync(hub.AccountA);
        var (adminB, _) = await DeclinedInvoiceAsync(hub.AccountB);
        var asked = (await adminA.GetJsonAsync($"/api/v1/invoices/{invoiceA}"))["amountDueMinor"]!.GetValue<long>();

        // Organisation B's account pays organisation A's invoice, exactly as A's hub asked: it is B's concern, not A's payment.
        var intent = await PayAtStripeAsync(hub.AccountB, invoiceA, attempt: 1, asked, "gbp");

        var issue = await IssueOfAsync(adminB, intent);
        Assert.Equal("unknown_attempt", issue["reason"]!.GetValue<string>());
        Assert.Null(issue["invoiceId"]);
        var invoice = await adminA.GetJsonAsync($"/api/v1/invoices/{invoiceA}");
        Assert.Equal("open", invoice["status"]!.GetValue<string>());
        Assert.False(invoice["flagged"]!.GetValue<bool>());
        Assert.DoesNotContain((await adminA.GetJsonAsync("/api/v1/payment-issues")).Items(), i => i["paymentIntentId"]!.GetValue<string>() == intent);
        Assert.Equal(0, await hub.ScalarAsync("SELECT count(*) FROM payments WHERE invoice_id = @id", invoiceA));
    }

    [Fact]
    public async Task Stripe_keys_are_never_shown_back_and_are_not_readable_in_the_database_or_its_audit_trail()
    {
        var admin = await hub.NewOrganisationAsync();

        var set = await SetAccountAsync(admin, hub.AccountA);
        var read = await admin.GetJsonAsync("/api/v1/organisation/stripe-account");

        foreach (var answer in new[] { set, read })
        {
            var text = answer.ToJsonString();
            Assert.DoesNotContain(hub.AccountA.SecretKey, text, StringComparison.Ordinal);
            Assert.DoesNotContain(hub.AccountA.WebhookSecret, text, StringComparison.Ordinal);
            Assert.DoesNotContain("pk_test_", text, StringComparison.Ordinal);
            Assert.Equal("organisation", answer["account"]!.GetValue<string>());
        }

        await using var conn = new NpgsqlConnection(hub.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT secret_key_protected || webhook_secret_protected || publishable_key_protected FROM organisation_stripe_accounts", conn);
        await using var rows = await cmd.ExecuteReaderAsync();
        while (await rows.ReadAsync())
        {
            Assert.DoesNotContain("sk_test_", rows.GetString(0), StringComparison.Ordinal);
            Assert.DoesNotContain("whsec_", rows.GetString(0), StringComparison.Ordinal);
        }

        await rows.DisposeAsync();
        await using var audit = new NpgsqlCommand("SELECT coalesce(string_agg(changes::text, ' '), '') FROM audit_events", conn);
        var trail = (string)(await audit.ExecuteScalarAsync())!;
        Assert.DoesNotContain(hub.AccountA.SecretKey, trail, StringComparison.Ordinal);
        Assert.DoesNotContain(hub.AccountA.WebhookSecret, trail, StringComparison.Ordinal);
        Assert.DoesNotContain("pk_test_", trail, StringComparison.Ordinal);

        Assert.NotEmpty(Directory.GetFiles(hub.KeyDirectory, "key-*.xml"));
    }

    [Fact]
    public async Task Stripe_account_at_an_api_base_the_hub_does_not_allow_is_refused()
    {
        var admin = await hub.NewOrganisationAsync();

        using var response = await admin.PutAsJsonAsync("/api/v1/organisation/stripe-account", new
        {
            secretKey = "sk_test_elsewhere",
            webhookSecret = "whsec_elsewhere",
            publishableKey = "pk_test_elsewhere",
            apiBase = "http://169.254.169.254/",
        });

        Assert.Equal(["apiBase"], (await response.ProblemAsync(400)).ErrorFields());
        Assert.Equal("none", (await admin.GetJsonAsync("/api/v1/organisation/stripe-account"))["account"]!.GetValue<string>());
    }

    /// <summary>
    /// A new organisation on <paramref name="account"/> with a member whose card (saved through the simulator's Checkout)
    /// declined the first attempt: the invoice is open and attempt 1 exists, with the amount the hub asked for.
    /// </summary>
    private async Task<(HttpClient Admin, Guid Invoice)> DeclinedInvoiceAsync(StripeSim account)
    {
        var (admin, invoice) = await InvoiceWithCardAsync(account, DecliningCard);
        var open = await admin.GetJsonAsync($"/api/v1/invoices/{invoice}");
        Assert.Equal("open", open["status"]!.GetValue<string>());
        Assert.Equal(1, open["failedAttempts"]!.GetValue<int>());
        return (admin, invoice);
    }

    /// <summary>A new organisation on <paramref name="account"/>, a member who saved <paramref name="card"/> there, and their first invoice, charged once.</summary>
    private async Task<(HttpClient Admin, Guid Invoice)> InvoiceWithCardAsync(StripeSim account, string card)
    {
        hub.KeepRealTime();
        var admin = await hub.NewOrganisationAsync();
        await SetAccountAsync(admin, account);
        var site = await Workspace.SiteAsync(admin);
        var member = await Workspace.MemberAsync(admin, site.LocationId, await Workspace.TierAsync(admin, Workspace.Terms()));
        var setup = await admin.PostJsonAsync($"/api/v1/members/{member}/card-setup", new { });
        await account.CompleteCheckoutAsync(new Uri(setup["url"]!.GetValue<string>()), card);
        await WaitUntilAsync(async () => await hub.ScalarAsync("SELECT count(*) FROM billing_customers WHERE member_id = @id AND payment_method_id IS NOT NULL", member) == 1);

        hub.KeepRealTime();
        await hub.Services.GetRequiredService<BillingClock>().TickAsync(default);
        return (admin, Assert.Single((await admin.GetJsonAsync($"/api/v1/members/{member}/invoices")).Items()).Id());
    }

    private async Task<JsonObject> SetAccountAsync(HttpClient admin, StripeSim account)
    {
        var set = await admin.PutJsonAsync("/api/v1/organisation/stripe-account", new
        {
            secretKey = account.SecretKey,
            webhookSecret = account.WebhookSecret,
            publishableKey = "pk_test_" + account.SecretKey["sk_test_".Length..],
            apiBase = account.ApiBase,
        });
        await account.SendWebhooksToAsync(hub.BaseAddress, set["webhookPath"]!.GetValue<string>());
        return set;
    }

    /// <summary>A PaymentIntent made and confirmed at the account, naming an invoice and attempt in its metadata as the hub's do.</summary>
    private async Task<string> PayAtStripeAsync(StripeSim account, Guid invoice, int attempt, long amount, string currency)
    {
        hub.KeepRealTime();
        var client = new StripeClient(new StripeClientOptions { ApiKey = account.SecretKey, ApiBase = account.ApiBase });
        var intent = await new PaymentIntentService(client).CreateAsync(new PaymentIntentCreateOptions
        {
            Amount = amount,
            Currency = currency,
            PaymentMethod = "pm_card_visa",
            Confirm = true,
            Metadata = new() { ["invoice_id"] = invoice.ToString(), ["attempt"] = attempt.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        });
        Assert.Equal("succeeded", intent.Status);
        return intent.Id;
    }

    private static async Task<JsonObject> IssueOfAsync(HttpClient admin, string paymentIntentId)
    {
        JsonObject? found = null;
        await WaitUntilAsync(async () =>
        {
            found = (await admin.GetJsonAsync("/api/v1/payment-issues?open=true")).Items().FirstOrDefault(i => i["paymentIntentId"]!.GetValue<string>() == paymentIntentId);
            return found is not null;
        });
        return found!;
    }

    private async Task InvoiceIsOpenAndFlaggedAsync(HttpClient admin, Guid invoice)
    {
        var after = await admin.GetJsonAsync($"/api/v1/invoices/{invoice}");
        Assert.Equal("open", after["status"]!.GetValue<string>());
        Assert.True(after["flagged"]!.GetValue<bool>());
        Assert.Null(after["nextAttemptAt"]);
        Assert.Equal(0, await hub.ScalarAsync("SELECT count(*) FROM payments WHERE invoice_id = @id", invoice));
    }

    private static async Task<JsonObject> WaitForAsync(HttpClient admin, string path, Func<JsonObject, bool> condition)
    {
        JsonObject body = null!;
        await WaitUntilAsync(async () => condition(body = await admin.GetJsonAsync(path)));
        return body;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "the simulator's webhook did not arrive within 60 s");
            await Task.Delay(100);
        }
    }
}
