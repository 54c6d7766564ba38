using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Portal;

/// <summary>A member pauses, changes tier (seeing the proration before confirming) and cancels (seeing the day it ends first).</summary>
[Collection(WebCollection.Name)]
public sealed class MyMembershipTests(WebHub web)
{
    private static readonly TimeZoneInfo Lisbon = TimeZoneInfo.FindSystemTimeZoneById("Europe/Lisbon");

    [Fact]
    public async Task Member_sees_the_proration_before_changing_tier_and_the_end_date_before_cancelling()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var location = await web.NewLocationAsync($"Tiers {tag}");
        var desk = await TierAsync($"Desk {tag}", 20000);
        await TierAsync($"Office {tag}", 50000);
        var member = await web.NewMemberAsync($"Zoë Brontë {tag}", location);
        await web.PostAsync($"/api/v1/members/{member.Id}/membership", new { tierId = desk, channel = "website" });
        var page = await web.NewPageAsync(390, 844);

        await SignInAsync(page, member.Email);
        await page.GetByRole(AriaRole.Link, new() { Name = "My membership" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My membership" })).ToBeVisibleAsync();
        await Expect(page.GetByText($"Desk {tag} · EUR 200.00 a month · Active")).ToBeVisibleAsync();
        await page.AssertAccessibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Pause my membership" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your membership is paused.");
        await page.AssertAccessibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Resume my membership now" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your membership is active again.");

        await page.GetByLabel("New plan").SelectOptionAsync(new SelectOptionValue { Label = $"Office {tag}, EUR 500.00 a month" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Show what it costs" }).ClickAsync();
        var cost = page.GetByRole(AriaRole.Region, new() { Name = "What the change costs" });
        await Expect(cost).ToContainTextAsync("EUR 300.00 to pay");
        await Expect(cost).ToContainTextAsync("credits EUR 200.00");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("portal-membership");
        await cost.GetByRole(AriaRole.Button, new() { Name = $"Change to Office {tag} now" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your plan is changed.");
        await Expect(page.GetByText($"Office {tag} · EUR 500.00 a month · Active")).ToBeVisibleAsync();
        using (var billing = JsonDocument.Parse(await web.GetTextAsync($"/api/v1/members/{member.Id}/billing")))
        {
            var prorated = billing.RootElement.GetProperty("upcoming").EnumerateArray().Where(u => u.GetProperty("kind").GetString() == "proration").ToList();
            Assert.Equal(30000, prorated.Sum(u => u.GetProperty("unitAmountMinor").GetInt64() * u.GetProperty("quantity").GetInt32()));
        }

        var cancel = page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Cancel my membership on ") });
        var shown = (await cancel.TextContentAsync())!.Trim()["Cancel my membership on ".Length..];
        await cancel.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your membership is cancelled");
        await Expect(page.GetByText($"Your membership ends on {shown}.")).ToBeVisibleAsync();
        using var membership = JsonDocument.Parse(await web.GetTextAsync($"/api/v1/members/{member.Id}/membership"));
        var cancelAt = TimeZoneInfo.ConvertTime(membership.RootElement.GetProperty("cancelAt").GetDateTimeOffset(), Lisbon);
        Assert.Equal(cancelAt.ToString("ddd d MMM yyyy", CultureInfo.InvariantCulture), shown);
        Assert.Contains("POST /api/v1/members/{id:guid}/membership/cancel", await web.GetTextAsync($"/api/v1/audit-events?objectId={member.Id}"));
        await page.AssertAccessibleAsync();
    }

    private async Task<Guid> TierAsync(string name, long priceMinor) =>
        (await web.PostAsync("/api/v1/tiers", new
        {
            name,
            terms = new { kind = "hot_desk", priceMinor, currency = "EUR", billingInterval = "monthly", noticeDays = 30 },
        })).GetProperty("id").GetGuid();

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
}
