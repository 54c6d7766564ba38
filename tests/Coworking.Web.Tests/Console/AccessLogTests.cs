using Coworking.Testing.Sync;
using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Console;

/// <summary>
/// The console's access log (filters, CSV, the live tail) and the dashboard's live door alarms, from an edge's report and
/// from a door forced open at the simulated reader through the real edge.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class AccessLogTests(WebHub web)
{
    private static readonly LocatorAssertionsToContainTextOptions Live = new() { Timeout = 30_000 };

    [Fact]
    public async Task Access_log_shows_a_new_access_event_live_and_filters_it()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var name = $"Estrela {tag}";
        var location = await web.NewLocationAsync(name);
        var (_, door) = await web.NewDoorAsync(location, "Lobby", $"Turnstile {tag}");
        var member = await web.NewMemberAsync($"Grace {tag}", location);
        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Access log", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Banner).GetByLabel("Location", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = name });
        var results = page.GetByRole(AriaRole.Region, new() { Name = "Access log results" });
        await Expect(results.GetByRole(AriaRole.Heading, new() { Name = "No events yet" })).ToBeVisibleAsync();
        await page.AssertAccessibleAsync();

        await web.AccessEventAsync(location, door, member.Id, "granted", "membership");
        await Expect(results.GetByRole(AriaRole.Table)).ToContainTextAsync($"Grace {tag}", Live);
        await Expect(results.GetByRole(AriaRole.Row).Filter(new() { HasText = $"Grace {tag}" })).ToContainTextAsync("Granted");

        await web.AccessEventAsync(location, door, member.Id, "denied", "suspended");
        await Expect(results.GetByRole(AriaRole.Table)).ToContainTextAsync("suspended", Live);
        await page.AssertAccessibleAsync();

        await page.GetByLabel("Member", new() { Exact = true }).FillAsync(member.Email);
        await page.GetByLabel("Result", new() { Exact = true }).SelectOptionAsync("denied");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var rows = results.GetByRole(AriaRole.Row);
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(1)).ToContainTextAsync("Denied");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download CSV" }).ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.StartsWith("occurred_at,location,door,member,result,detail", csv, StringComparison.Ordinal);
        Assert.Contains($"Grace {tag}", csv);
        Assert.Contains("Denied,suspended", csv);
        Assert.DoesNotContain("Granted", csv);

        await page.GetByLabel("Member", new() { Exact = true }).FillAsync($"nobody-{tag}@example.test");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(page.GetByText("Member matches no member")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Member", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");
        await page.AssertAccessibleAsync();
    }

    [Fact]
    public async Task Door_forced_open_appears_live_on_the_dashboard_until_acknowledged()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var name = $"Lapa {tag}";
        var location = await web.NewLocationAsync(name);
        var door = $"Back door {tag}";
        var (_, doorId) = await web.NewDoorAsync(location, "Yard", door);
        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page);
        await page.GetByLabel("Location", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = name });
        var alarms = page.GetByRole(AriaRole.Region, new() { Name = "Door alarms" });
        await Expect(alarms).ToContainTextAsync("No open door alarms");

        await web.DoorEventAsync(location, doorId, "door_forced_open");
        await Expect(alarms).ToContainTextAsync($"Forced open: {door}", Live);
        await page.AssertAccessibleAsync();
        await alarms.GetByRole(AriaRole.Button, new() { Name = $"Acknowledge forced open at {door}" }).ClickAsync();
        await Expect(alarms).ToContainTextAsync("No open door alarms");

        await page.GotoAsync("/console/doors");
        var row = page.GetByRole(AriaRole.Table, new() { Name = $"Doors at {name}" }).GetByRole(AriaRole.Row).Filter(new() { HasText = door });
        await Expect(row).ToContainTextAsync("Forced open");
    }

    [Fact]
    public async Task Door_forced_open_at_the_sim_appears_on_an_open_dashboard_through_the_real_edge()
    {
        await using var site = await SyncSite.StartAsync();
        var email = $"watch-{Guid.NewGuid():N}@sync.coworking.test";
        const string password = "sim-alarm-watch-1";
        await site.Api.PostAsync("/api/v1/operators", new { email, name = "Alarm Watch", password, role = "location_manager", locationIds = new[] { site.LocationId } });
        var page = await web.NewPageAtAsync(site.Hub.ApiUrl.Port);
        await WebHub.LogInAsync(page, email, password);
        var alarms = page.GetByRole(AriaRole.Region, new() { Name = "Door alarms" });
        await Expect(alarms).ToContainTextAsync("No open door alarms");

        await site.Reader!.SetContactAsync(site.DoorId, open: true);
        await Expect(alarms).ToContainTextAsync("Forced open: Front door", Live);
        await site.Reader.SetContactAsync(site.DoorId, open: false);
        await page.AssertAccessibleAsync();
        await alarms.GetByRole(AriaRole.Button, new() { Name = "Acknowledge forced open at Front door" }).ClickAsync();
        await Expect(alarms).ToContainTextAsync("No open door alarms");
    }
}
