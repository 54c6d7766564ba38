using System.Text.RegularExpressions;
using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Console;

/// <summary>The console's member list and dashboard, searched, sorted and paged by the server, scoped to the operator.</summary>
[Collection(WebCollection.Name)]
public sealed class MembersTests(WebHub web)
{
    [Fact]
    public async Task Member_list_searches_sorts_and_pages_on_the_server()
    {
        var tag = $"Pager{Guid.NewGuid():N}"[..13];
        for (var i = 1; i <= 27; i++)
        {
            await web.NewMemberAsync($"{tag} {i:00}");
        }

        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Members", Exact = true }).ClickAsync();
        await page.GetByLabel("Search members").FillAsync(tag);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();

        var rows = page.GetByRole(AriaRole.Table, new() { Name = "Members" }).GetByRole(AriaRole.Row);
        await Expect(rows).ToHaveCountAsync(26);
        await Expect(rows.Nth(1)).ToContainTextAsync($"{tag} 01");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("console-members");

        await page.GetByRole(AriaRole.Link, new() { Name = "Next page" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(rows.Nth(2)).ToContainTextAsync($"{tag} 27");

        await Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Name" })).ToHaveAttributeAsync("aria-sort", "ascending");
        await page.GetByRole(AriaRole.Link, new() { Name = "Name", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Name" })).ToHaveAttributeAsync("aria-sort", "descending");
        await Expect(rows.Nth(1)).ToContainTextAsync($"{tag} 27");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Previous page" })).ToHaveCountAsync(0);

        await page.GetByLabel("Search members").FillAsync(tag + "-nobody");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "No members match" })).ToBeVisibleAsync();
        await page.AssertAccessibleAsync();
    }

    [Fact]
    public async Task Manager_sees_only_their_locations_and_their_members()
    {
        var mine = await web.NewLocationAsync($"Lisbon {Guid.NewGuid():N}"[..15]);
        var other = await web.NewLocationAsync($"Porto {Guid.NewGuid():N}"[..14]);
        var tag = $"Scoped{Guid.NewGuid():N}"[..14];
        await web.NewMemberAsync($"{tag} Mine", mine);
        await web.NewMemberAsync($"{tag} Other", other);
        const string password = "manager-pass-123";
        var manager = await web.NewOperatorAsync("location_manager", password, mine);

        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page, manager, password);

        var switcher = page.GetByLabel("Location", new() { Exact = true });
        await Expect(switcher.Locator("option")).ToHaveCountAsync(1);
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Bookings today by location" })).Not.ToContainTextAsync("Porto");
        await page.AssertAccessibleAsync();

        await page.GotoAsync($"/console/members?q={tag}");
        var rows = page.GetByRole(AriaRole.Table, new() { Name = "Members" }).GetByRole(AriaRole.Row);
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(1)).ToContainTextAsync($"{tag} Mine");
    }

    [Fact]
    public async Task Location_switcher_narrows_the_dashboard_to_one_location()
    {
        var name = $"Braga {Guid.NewGuid():N}"[..14];
        var location = await web.NewLocationAsync(name);
        await web.NewMemberAsync("Switcher Member", location);
        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page);

        await page.GetByLabel("Location", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = name });

        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Breadcrumb" })).ToContainTextAsync(name);
        var today = page.GetByRole(AriaRole.Region, new() { Name = "Bookings today by location" }).GetByRole(AriaRole.Row);
        await Expect(today).ToHaveCountAsync(2);
        await Expect(today.Nth(1)).ToContainTextAsync(name);
        await Expect(page.GetByRole(AriaRole.Definition).First).ToHaveTextAsync(new Regex("^[1-9]"));
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("console-dashboard-location");
    }
}
