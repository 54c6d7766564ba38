using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Coworking.Testing.Sync;
using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Portal;

/// <summary>A member's money in the portal: balance, invoices with their PDFs, payments, upcoming charges and add-ons.</summary>
[Collection(WebCollection.Name)]
public sealed class MyBillingTests(WebHub web)
{
    [Fact]
    public async Task Member_downloads_an_invoice_PDF_with_their_name_as_spelt_and_buys_an_add_on_for_the_next_invoice()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var location = await web.NewLocationAsync($"Fjord {tag}");
        var tier = (await web.PostAsync("/api/v1/tiers", new
        {
            name = $"Flex {tag}",
            terms = new { kind = "hot_desk", priceMinor = 15000, currency = "EUR", billingInterval = "monthly" },
        })).GetProperty("id").GetGuid();
        using (var price = await web.Admin.PutAsJsonAsync($"/api/v1/tiers/{tier}/prices/day_pass", new { name = "Day pass", unitPriceMinor = 2500 }))
        {
            Assert.True(price.IsSuccessStatusCode, await price.Content.ReadAsStringAsync());
        }

        var member = await web.NewMemberAsync($"Łukasz Ødegård {tag}", location);
        var (paidId, paidNumber) = await InvoicedAsync(member.Id, tier);
        await web.PostAsync($"/api/v1/invoices/{paidId}/payments", new { method = "bank_transfer", reference = $"BANK-{tag}" });
        var other = await web.NewMemberAsync($"Ελένη {tag}", location);
        var (othersId, _) = await InvoicedAsync(other.Id, tier);
        var page = await web.NewPageAsync(390, 844);

        await SignInAsync(page, member.Email);
        await page.GetByRole(AriaRole.Link, new() { Name = "Billing", Exact = true }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Billing", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByText("You owe nothing.")).ToBeVisibleAsync();
        var invoices = page.GetByRole(AriaRole.Region, new() { Name = "Invoice list" });
        await Expect(invoices).ToContainTextAsync(paidNumber);
        await Expect(invoices).ToContainTextAsync("EUR 150.00");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Payment history" })).ToContainTextAsync("Bank transfer");
        await Expect(page.GetByText("bank transfer or cash")).ToBeVisibleAsync();
        await page.AssertAccessibleAsync();

        var download = await page.RunAndWaitForDownloadAsync(() => invoices.GetByRole(AriaRole.Link, new() { Name = $"PDF of {paidNumber}" }).ClickAsync());
        Assert.Equal($"{paidNumber}.pdf", download.SuggestedFilename);
        using (var pdf = UglyToad.PdfPig.PdfDocument.Open(await File.ReadAllBytesAsync((await download.PathAsync())!)))
        {
            var text = string.Concat(pdf.GetPage(1).Letters.Select(letter => letter.Value));
            Assert.Contains($"Billed to: Łukasz Ødegård {tag}", text, StringComparison.Ordinal);
        }

        await page.GetByLabel("Add-on", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "Day pass, EUR 25.00" });
        await page.GetByLabel("How many").FillAsync("0");
        await page.GetByRole(AriaRole.Button, new() { Name = "Buy" }).ClickAsync();
        await Expect(page.GetByLabel("How many")).ToHaveAttributeAsync("aria-invalid", "true");
        await page.GetByLabel("How many").FillAsync("2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Buy" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Added to your next invoice");
        var upcoming = page.GetByRole(AriaRole.Region, new() { Name = "Upcoming charges" });
        await Expect(upcoming).ToContainTextAsync("Day pass");
        await Expect(upcoming).ToContainTextAsync("EUR 50.00");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("portal-billing");
        Assert.Contains("POST /api/v1/members/{id:guid}/charges", await web.GetTextAsync($"/api/v1/audit-events?objectId={member.Id}"));

        var othersPdf = await page.APIRequest.GetAsync($"/portal/invoices/{othersId}/pdf");
        Assert.Equal(404, othersPdf.Status);
    }

    private async Task SignInAsync(IPage page, string email)
    {
        await page.GotoAsync("/portal/sign-in");
        await page.GetByLabel("E-mail address").FillAsync(email);
        await page.GetByRole(AriaRole.Button, new() { Name = "E-mail me a sign-in link" }).ClickAsync();
        var link = await web.LinkInMailAsync(email, "/auth/sign-in/");
        await page.GotoAsync(link.PathAndQuery);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in to the member portal" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/portal$"));
    }

    private async Task<(Guid Id, string Number)> InvoicedAsync(Guid memberId, Guid tier)
    {
        await web.PostAsync($"/api/v1/members/{memberId}/membership", new { tierId = tier, channel = "walk_in" });
        JsonElement? invoice = null;
        await Eventually.Async(
            async () =>
            {
                var found = await web.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/members/{memberId}/invoices");
                invoice = found.GetProperty("items").EnumerateArray().Select(i => (JsonElement?)i).FirstOrDefault();
                return invoice is not null;
            },
            "the billing run invoices the membership");
        return (invoice!.Value.GetProperty("id").GetGuid(), invoice.Value.GetProperty("number").GetString()!);
    }
}
