using System.Net.Http.Json;
using System.Text.Json;
using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Console;

/// <summary>Visitors: today's expected guests per location with host and window, checked in by the desk; scoped to the operator's locations.</summary>
[Collection(WebCollection.Name)]
public sealed class VisitorsTests(WebHub web)
{
    [Fact]
    public async Task Desk_sees_todays_guest_with_host_and_window_and_checks_them_in()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var site = $"Guests {tag}";
        var location = await web.NewLocationAsync(site);
        var elsewhere = await web.NewLocationAsync($"Elsewhere {tag}");
        var (hostId, host, _) = await web.NewMemberAsync($"Host{tag} Pinto", location);
        await JoinAsync(hostId, $"Guesting {tag}");
        var guest = $"Guest{tag} Ana";
        await PostAsync($"/api/v1/members/{hostId}/visitors", new
        {
            name = guest, email = $"guest-{tag}@visitors.coworking.test", locationId = location,
            start = DateTimeOffset.UtcNow.AddMinutes(2), end = DateTimeOffset.UtcNow.AddMinutes(62),
        });
        const string password = "front-desk-visitors-1";
        var desk = await web.NewOperatorAsync("front_desk", password, location);
        var stranger = await web.NewOperatorAsync("front_desk", password, elsewhere);

        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page, desk, password);
        await page.GetByRole(AriaRole.Link, new() { Name = "Visitors", Exact = true }).ClickAsync();
        var guests = page.GetByRole(AriaRole.Region, new() { Name = $"Guests expected at {site}" });
        var row = guests.GetByRole(AriaRole.Row).Filter(new() { HasText = guest });
        await Expect(row).ToContainTextAsync(host);
        await Expect(row).ToContainTextAsync("–");
        await page.AssertAccessibleAsync();

        await row.GetByRole(AriaRole.Button, new() { Name = $"Check in {guest}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The guest is checked in.");
        await Expect(row).ToContainTextAsync("Checked in");
        await Expect(row.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        await page.AssertAccessibleAsync();
        await row.GetByRole(AriaRole.Link, new() { Name = host }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = host, Exact = true })).ToBeVisibleAsync();

        var other = await web.NewPageAsync();
        await WebHub.LogInAsync(other, stranger, password);
        await other.GotoAsync("/console/visitors");
        await Expect(other.GetByRole(AriaRole.Main)).Not.ToContainTextAsync(guest);
    }

    private async Task JoinAsync(Guid memberId, string tier)
    {
        var created = await PostAsync("/api/v1/tiers", new { name = tier, terms = new { kind = "hot_desk", priceMinor = 9000, currency = "EUR", billingInterval = "monthly" } });
        await PostAsync($"/api/v1/members/{memberId}/membership", new { tierId = created.GetProperty("id").GetGuid(), channel = "walk_in" });
    }

    private async Task<JsonElement> PostAsync(string path, object body)
    {
        using var answer = await web.Admin.PostAsJsonAsync(path, body);
        Assert.True(answer.IsSuccessStatusCode, $"{path}: {await answer.Content.ReadAsStringAsync()}");
        return await answer.Content.ReadFromJsonAsync<JsonElement>();
    }
}
