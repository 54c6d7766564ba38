using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Coworking.Testing.Sync;
using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Console;

/// <summary>Billing: invoices filtered and opened, marked paid, its PDF downloaded, credited; the front desk is refused.</summary>
[Collection(WebCollection.Name)]
public sealed class BillingTests(WebHub web)
{
    [Fact]
    public async Task Manager_marks_an_invoice_paid_downloads_its_PDF_and_credits_it()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var location = await web.NewLocationAsync($"Ledger {tag}");
        var (memberId, name, _) = await web.NewMemberAsync($"Payer{tag} Sousa", location);
        var (invoiceId, number) = await InvoicedAsync(memberId, tag);
        const string password = "billing-manager-1";
        var manager = await web.NewOperatorAsync("location_manager", password, location);

        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page, manager, password);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Console" }).GetByRole(AriaRole.Link, new() { Name = "Billing", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Billing", Exact = true })).ToBeVisibleAsync();
        await page.GetByLabel("Member or number").FillAsync(name);
        await page.GetByLabel("Status").SelectOptionAsync(new SelectOptionValue { Label = "Open" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var invoices = page.GetByRole(AriaRole.Table, new() { Name = "Invoices" });
        await Expect(invoices).ToContainTextAsync(number);
        await Expect(invoices).ToContainTextAsync("EUR 150.00");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("console-billing");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Billing" }).GetByRole(AriaRole.Link, new() { Name = "Collection and dunning" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Collection and dunning", Exact = true })).ToBeVisibleAsync();
        await page.AssertAccessibleAsync();
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Billing" }).GetByRole(AriaRole.Link, new() { Name = "Invoices" }).ClickAsync();
        await Expect(invoices).ToBeVisibleAsync();
        await page.GetByLabel("Member or number").FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();

        await invoices.GetByRole(AriaRole.Link, new() { Name = number }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Invoice {number}" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = $"Lines of {number}" })).ToContainTextAsync($"Flex {tag}");
        await page.AssertAccessibleAsync();

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download the PDF" }).ClickAsync());
        Assert.Equal($"{number}.pdf", download.SuggestedFilename);
        var pdf = await File.ReadAllBytesAsync((await download.PathAsync())!);
        Assert.Equal("%PDF-"u8.ToArray(), pdf[..5]);

        await page.GetByLabel("Paid by").SelectOptionAsync(new SelectOptionValue { Label = "Bank transfer" });
        await page.GetByLabel("Reference").FillAsync($"BANK-{tag}");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Mark {number} paid" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Payment recorded");
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = $"Payments of {number}" })).ToContainTextAsync($"BANK-{tag}");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Mark {number} paid" })).ToHaveCountAsync(0);
        await page.ScreenshotAsync("console-invoice");
        using (var paid = JsonDocument.Parse(await web.GetTextAsync($"/api/v1/invoices/{invoiceId}")))
        {
            Assert.Equal("paid", paid.RootElement.GetProperty("status").GetString());
        }

        Assert.Contains("POST /api/v1/invoices/{id:guid}/payments", await web.GetTextAsync($"/api/v1/audit-events?objectId={invoiceId}"));

        await page.GetByLabel("What the credit is for").FillAsync("Goodwill for the broken heating");
        await page.GetByLabel("Amount to give back (EUR)").FillAsync("ten");
        await page.GetByRole(AriaRole.Button, new() { Name = "Issue a credit note" }).ClickAsync();
        await Expect(page.GetByText("Amount to give back (EUR) must be an amount in EUR")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Amount to give back (EUR)")).ToHaveAttributeAsync("aria-invalid", "true");
        await page.AssertAccessibleAsync();
        await page.GetByLabel("Amount to give back (EUR)").FillAsync("10");
        await page.GetByRole(AriaRole.Button, new() { Name = "Issue a credit note" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Credit note issued");
        var credits = page.GetByRole(AriaRole.Region, new() { Name = "Credit notes" });
        await Expect(credits).ToContainTextAsync("EUR 10.00 given back");
        await credits.GetByRole(AriaRole.Link, new() { NameRegex = new System.Text.RegularExpressions.Regex("^CN-") }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Credit note CN-") })).ToBeVisibleAsync();
        await page.AssertAccessibleAsync();
    }

    [Fact]
    public async Task Front_desk_operator_is_refused_the_billing_pages()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var location = await web.NewLocationAsync($"Till {tag}");
        var (memberId, _, _) = await web.NewMemberAsync($"Owing{tag} Reis", location);
        var (invoiceId, _) = await InvoicedAsync(memberId, tag);
        const string password = "front-desk-pass-2";
        var desk = await web.NewOperatorAsync("front_desk", password, location);
        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page, desk, password);

        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Console" }).GetByRole(AriaRole.Link, new() { Name = "Billing" })).ToHaveCountAsync(0);
        var list = await page.GotoAsync("/console/billing");
        Assert.Equal((int)HttpStatusCode.Forbidden, list!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Billing is for location managers" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Invoices" })).ToHaveCountAsync(0);
        await page.AssertAccessibleAsync();
        var dunning = await page.GotoAsync("/console/billing/dunning");
        Assert.Equal((int)HttpStatusCode.Forbidden, dunning!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Billing is for location managers" })).ToBeVisibleAsync();

        var one = await page.GotoAsync($"/console/billing/invoices/{invoiceId}");
        Assert.Equal((int)HttpStatusCode.Forbidden, one!.Status);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Download the PDF" })).ToHaveCountAsync(0);
        var pdf = await page.APIRequest.GetAsync($"/api/v1/invoices/{invoiceId}/pdf");
        Assert.Equal((int)HttpStatusCode.Forbidden, pdf.Status);
    }

    /// <summary>Joins the member to a new EUR 150 monthly tier and waits for the billing run to invoice it; the invoice's id and number.</summary>
    private async Task<(Guid Id, string Number)> InvoicedAsync(Guid memberId, string tag)
    {
        var tier = (await web.PostAsync(
            "/api/v1/tiers", new { name = $"Flex {tag}", terms = new { kind = "hot_desk", priceMinor = 15000, currency = "EUR", billingInterval = "monthly" } })).GetProperty("id").GetGuid();
        await web.PostAsync($"/api/v1/members/{memberId}/membership", new { tierId = tier, channel = "walk_in" });
        JsonElement? invoice = null;
        await Eventually.Async(
            async () =>
            {
                var page = await web.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/members/{memberId}/invoices");
                invoice = page.GetProperty("items").EnumerateArray().Select(i => (JsonElement?)i).FirstOrDefault();
                return invoice is not null;
            },
            "the billing run invoices the membership");
        return (invoice!.Value.GetProperty("id").GetGuid(), invoice.Value.GetProperty("number").GetString()!);
    }
}
