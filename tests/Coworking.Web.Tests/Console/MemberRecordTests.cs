using System.Net.Http.Json;
using System.Text.Json;
using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Console;

/// <summary>The member record: details and their refusals, a card issued and revoked, suspend and reactivate, a tier joined; audited as the API is.</summary>
[Collection(WebCollection.Name)]
public sealed class MemberRecordTests(WebHub web)
{
    [Fact]
    public async Task Member_record_edits_details_issues_and_revokes_a_card_and_suspends_the_member()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var location = await web.NewLocationAsync($"Estrela {tag}");
        var (memberId, name, oldEmail) = await web.NewMemberAsync($"Record{tag} Silva", location);
        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Members", Exact = true }).ClickAsync();
        await page.GetByLabel("Search members").FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = name, Exact = true })).ToBeVisibleAsync();

        var email = page.GetByLabel("E-mail address");
        await email.FillAsync("not an address");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save details" }).ClickAsync();
        await Expect(page.GetByText("E-mail address must be an e-mail address")).ToBeVisibleAsync();
        await Expect(email).ToHaveAttributeAsync("aria-invalid", "true");
        await page.AssertAccessibleAsync();

        var newEmail = $"record-{tag}@members.coworking.test";
        await email.FillAsync(newEmail);
        await page.GetByLabel("Company").FillAsync($"Azulejo {tag}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save details" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The details are saved.");
        await Expect(page.GetByLabel("Company")).ToHaveValueAsync($"Azulejo {tag}");
        Assert.Contains(newEmail, await web.GetTextAsync($"/api/v1/members/{memberId}"));

        await page.GetByLabel("Card number").FillAsync("90817278");
        await page.GetByRole(AriaRole.Button, new() { Name = "Issue the card" }).ClickAsync();
        var cards = page.GetByRole(AriaRole.Table, new() { Name = "Credentials" });
        await Expect(cards).ToContainTextAsync("**78");
        await Expect(page.GetByRole(AriaRole.Main)).Not.ToContainTextAsync("90817278");
        await page.AssertAccessibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke card **78" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The credential is revoked");
        await Expect(cards.GetByRole(AriaRole.Row).Filter(new() { HasText = "**78" })).ToContainTextAsync("Revoked");

        await page.GetByRole(AriaRole.Button, new() { Name = $"Suspend {name}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"{name} is suspended");
        Assert.Contains("\"suspended\"", await web.GetTextAsync($"/api/v1/members/{memberId}"));
        await page.GetByRole(AriaRole.Button, new() { Name = $"Reactivate {name}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"{name} is active again");
        Assert.Contains("\"active\"", await web.GetTextAsync($"/api/v1/members/{memberId}"));

        // The audit trail holds the console's writes as the API's own, and never the card's number.
        var audit = await web.GetTextAsync($"/api/v1/audit-events?objectKind=members&objectId={memberId}&limit=50");
        Assert.Contains("PATCH /api/v1/members/{id:guid}", audit);
        Assert.Contains("POST /api/v1/members/{id:guid}/suspend", audit);
        // With what each write changed, before and after, as the API's own writes are recorded.
        var events = JsonDocument.Parse(audit).RootElement.GetProperty("items").EnumerateArray().ToList();
        var patched = events.Single(e => e.GetProperty("action").GetString() == "PATCH /api/v1/members/{id:guid}");
        Assert.Equal(oldEmail, patched.GetProperty("before").GetProperty("email").GetString());
        Assert.Equal(newEmail, patched.GetProperty("after").GetProperty("email").GetString());
        var suspended = events.Single(e => e.GetProperty("action").GetString() == "POST /api/v1/members/{id:guid}/suspend");
        Assert.Equal("active", suspended.GetProperty("before").GetProperty("status").GetString());
        Assert.Equal("suspended", suspended.GetProperty("after").GetProperty("status").GetString());
        var issued = await web.GetTextAsync("/api/v1/audit-events?action=POST%20/api/v1/members/%7Bid:guid%7D/credentials&limit=200");
        Assert.Contains("[redacted]", issued);
        Assert.DoesNotContain("90817278", issued);
    }

    [Fact]
    public async Task Member_joins_a_tier_and_the_record_shows_the_membership()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var location = await web.NewLocationAsync($"Campo {tag}");
        var (_, name, _) = await web.NewMemberAsync($"Joiner{tag} Costa", location);
        var tier = $"Flex {tag}";
        using (var created = await web.Admin.PostAsJsonAsync(
            "/api/v1/tiers", new { name = tier, terms = new { kind = "hot_desk", priceMinor = 15000, currency = "EUR", billingInterval = "monthly" } }))
        {
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page);
        await page.GotoAsync($"/console/members?q={Uri.EscapeDataString(name)}");
        await page.GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();
        var membership = page.GetByRole(AriaRole.Region, new() { Name = "Membership" });
        await Expect(membership).ToContainTextAsync("has no membership yet");
        await page.GetByLabel("Tier", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = $"{tier} (EUR 150.00 monthly)" });
        await page.GetByLabel("How they came").SelectOptionAsync(new SelectOptionValue { Label = "Walk-in" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Join the tier" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The membership has started.");
        await Expect(membership).ToContainTextAsync(tier);
        await Expect(membership).ToContainTextAsync("Walk-in");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Change the tier" })).ToBeVisibleAsync();
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("console-member-record");
    }

    [Fact]
    public async Task Front_desk_sees_the_record_without_membership_or_invoices_and_no_member_of_another_location()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var mine = await web.NewLocationAsync($"Desk {tag}");
        var other = await web.NewLocationAsync($"Away {tag}");
        var (_, name, _) = await web.NewMemberAsync($"Desk{tag} Reis", mine);
        var (otherId, _, _) = await web.NewMemberAsync($"Away{tag} Reis", other);
        const string password = "front-desk-pass-1";
        var desk = await web.NewOperatorAsync("front_desk", password, mine);

        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page, desk, password);
        await page.GotoAsync($"/console/members?q={Uri.EscapeDataString(name)}");
        await page.GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Cards and PINs" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Membership" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Invoices and balance" })).ToHaveCountAsync(0);
        await page.AssertAccessibleAsync();

        await page.GotoAsync($"/console/members/{otherId}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "No such member here" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save details" })).ToHaveCountAsync(0);
    }
}
