using System.Net.Http.Json;
using System.Text.Json;
using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Console;

/// <summary>Tiers: terms edited through the API's PATCH (refusals beside the field), a per-location override, add-on prices; read-only for a manager.</summary>
[Collection(WebCollection.Name)]
public sealed class TiersTests(WebHub web)
{
    [Fact]
    public async Task Admin_edits_a_tiers_terms_overrides_its_price_at_a_location_and_prices_an_add_on()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var site = $"Tiered {tag}";
        var location = await web.NewLocationAsync(site);
        var tier = $"Resident {tag}";
        var tierId = await NewTierAsync(tier);

        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Tiers", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Tiers" })).ToContainTextAsync("EUR 150.00 monthly");
        await page.AssertAccessibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = tier }).ClickAsync();

        await page.GetByLabel("Price (EUR)", new() { Exact = true }).FillAsync("12.345");
        await page.GetByLabel("Guest passes a month").FillAsync("lots");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the terms" }).ClickAsync();
        await Expect(page.GetByText("Price (EUR) must be an amount such as 150.00")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Guest passes a month")).ToHaveAttributeAsync("aria-invalid", "true");
        await page.AssertAccessibleAsync();

        await page.GetByLabel("Price (EUR)", new() { Exact = true }).FillAsync("175.50");
        await page.GetByLabel("Guest passes a month").FillAsync("4");
        await page.GetByLabel("Notice to cancel (days)").FillAsync("400");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the terms" }).ClickAsync();
        await Expect(page.GetByText("Notice to cancel (days) must be between 0 and 366")).ToBeVisibleAsync();
        await page.GetByLabel("Notice to cancel (days)").FillAsync("30");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the terms" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The terms are saved");
        await Expect(page.GetByLabel("Price (EUR)", new() { Exact = true })).ToHaveValueAsync("175.50");
        using (var saved = JsonDocument.Parse(await web.GetTextAsync($"/api/v1/tiers/{tierId}")))
        {
            Assert.Equal(17550, saved.RootElement.GetProperty("terms").GetProperty("priceMinor").GetInt64());
            Assert.Equal(4, saved.RootElement.GetProperty("terms").GetProperty("guestPassesPerMonth").GetInt32());
            Assert.Equal(30, saved.RootElement.GetProperty("terms").GetProperty("noticeDays").GetInt32());
        }

        await page.GetByRole(AriaRole.Link, new() { Name = $"Override at {site}" }).ClickAsync();
        await page.GetByLabel($"Price at {site} (EUR)").FillAsync("199");
        await page.GetByLabel("Door access").SelectOptionAsync(new SelectOptionValue { Label = "All hours" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the override" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The override is saved");
        var row = page.GetByRole(AriaRole.Table, new() { Name = "Overrides by location" }).GetByRole(AriaRole.Row).Filter(new() { HasText = site });
        await Expect(row).ToContainTextAsync("EUR 199.00 monthly");
        await Expect(row).ToContainTextAsync("All hours");
        using (var there = JsonDocument.Parse(await web.GetTextAsync($"/api/v1/tiers/{tierId}?locationId={location}")))
        {
            Assert.Equal(19900, there.RootElement.GetProperty("terms").GetProperty("priceMinor").GetInt64());
        }

        await page.GetByLabel("Code").FillAsync("Day Pass");
        await page.GetByLabel("Add-on", new() { Exact = true }).FillAsync("Day pass");
        await page.GetByLabel("Add-on price (EUR)").FillAsync("25");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set the price" }).ClickAsync();
        await Expect(page.GetByText("Code must be 1-40 lower-case letters")).ToBeVisibleAsync();
        await page.GetByLabel("Code").FillAsync("day_pass");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set the price" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The add-on price is set");
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Add-on prices" })).ToContainTextAsync("EUR 25.00");
        await page.AssertAccessibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = $"Override at {site}" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Remove the override at {site}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The override is removed");
        await Expect(row).ToContainTextAsync("EUR 175.50 monthly");
    }

    [Fact]
    public async Task Manager_reads_a_tiers_terms_without_a_form_and_the_front_desk_sees_no_prices()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var location = await web.NewLocationAsync($"Readonly {tag}");
        var tier = $"Visitor {tag}";
        var tierId = await NewTierAsync(tier);
        const string password = "tier-manager-pass-1";
        var manager = await web.NewOperatorAsync("location_manager", password, location);
        var desk = await web.NewOperatorAsync("front_desk", password, location);

        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page, manager, password);
        await page.GotoAsync($"/console/tiers/{tierId}");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Terms" })).ToContainTextAsync("EUR 150.00 monthly");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save the terms" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Set the price" })).ToHaveCountAsync(0);
        await page.AssertAccessibleAsync();

        var deskPage = await web.NewPageAsync();
        await WebHub.LogInAsync(deskPage, desk, password);
        await Expect(deskPage.GetByRole(AriaRole.Link, new() { Name = "Tiers", Exact = true })).ToHaveCountAsync(0);
        await deskPage.GotoAsync($"/console/tiers/{tierId}");
        await Expect(deskPage.GetByRole(AriaRole.Main)).Not.ToContainTextAsync("EUR 150.00");
    }

    private async Task<Guid> NewTierAsync(string name)
    {
        using var answer = await web.Admin.PostAsJsonAsync(
            "/api/v1/tiers", new { name, terms = new { kind = "hot_desk", priceMinor = 15000, currency = "EUR", billingInterval = "monthly" } });
        Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
        return (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }
}
