using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Console;

/// <summary>The console's locations and doors: each door's state, lockdown with a confirmation and lift, remote unlock, scope.</summary>
[Collection(WebCollection.Name)]
public sealed class DoorsTests(WebHub web)
{
    [Fact]
    public async Task Door_locked_down_from_the_console_reaches_the_edges_change_log_and_is_lifted()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var name = $"Alfama {tag}";
        var location = await web.NewLocationAsync(name);
        var door = $"Front door {tag}";
        var (_, doorId) = await web.NewDoorAsync(location, "Ground floor", door);
        await web.DoorEventAsync(location, doorId, "door_closed");
        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Doors", Exact = true }).ClickAsync();
        await page.GetByLabel("Location", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = name });

        var doors = page.GetByRole(AriaRole.Table, new() { Name = $"Doors at {name}" });
        var row = doors.GetByRole(AriaRole.Row).Filter(new() { HasText = door });
        await Expect(row).ToContainTextAsync("Closed");
        await Expect(row).ToContainTextAsync("Card or PIN");
        await row.GetByRole(AriaRole.Link, new() { Name = $"Lock down {door}" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Lock down {door}" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "It locks" })).ToContainTextAsync(door);
        await page.GetByLabel("Reason").FillAsync("   ");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Lock down {door}" }).ClickAsync();
        await Expect(page.GetByText("Reason is required")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Reason")).ToHaveAttributeAsync("aria-invalid", "true");
        await page.AssertAccessibleAsync();

        var reason = $"Police incident {tag}";
        await page.GetByLabel("Reason").FillAsync(reason);
        await page.GetByRole(AriaRole.Button, new() { Name = $"Lock down {door}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "The lockdown is in force" })).ToBeVisibleAsync();
        await Expect(row).ToContainTextAsync("Closed · locked down");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = $"Lockdowns at {name}" })).ToContainTextAsync(reason);
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("console-doors");

        // What the edges sync: the location's door control entry names the lockdown; the API lists it in force.
        Assert.Contains(reason, await web.GetTextAsync($"/api/v1/locations/{location}/changes?limit=500"));
        Assert.Contains(reason, await web.GetTextAsync($"/api/v1/locations/{location}/lockdowns?active=true"));

        await page.GetByRole(AriaRole.Button, new() { Name = $"Lift the lockdown of {door}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "The lockdown is lifted" })).ToBeVisibleAsync();
        await Expect(row).Not.ToContainTextAsync("locked down");
        Assert.DoesNotContain(reason, await web.GetTextAsync($"/api/v1/locations/{location}/lockdowns?active=true"));
    }

    [Fact]
    public async Task Area_and_location_lockdowns_name_every_door_they_lock()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var name = $"Belem {tag}";
        var location = await web.NewLocationAsync(name);
        await web.NewDoorAsync(location, $"Studio {tag}", $"Studio door {tag}");
        await web.NewDoorAsync(location, $"Roof {tag}", $"Roof door {tag}");
        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page);
        await page.GotoAsync("/console/doors");
        await page.GetByLabel("Location", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = name });

        await page.GetByRole(AriaRole.Link, new() { Name = $"Lock down the area Studio {tag}" }).ClickAsync();
        var locks = page.GetByRole(AriaRole.Region, new() { Name = "It locks" });
        await Expect(locks).ToContainTextAsync($"Studio door {tag}");
        await Expect(locks).Not.ToContainTextAsync($"Roof door {tag}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Cancel" }).ClickAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = $"Lock down all of {name}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Lock down all of {name}" })).ToBeVisibleAsync();
        await Expect(locks.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(2);
        await page.GetByLabel("Reason").FillAsync("Fire drill");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Lock down all of {name}" }).ClickAsync();
        var doors = page.GetByRole(AriaRole.Table, new() { Name = $"Doors at {name}" });
        await Expect(doors.GetByText("· locked down")).ToHaveCountAsync(2);
        await page.GetByRole(AriaRole.Button, new() { Name = $"Lift the lockdown of every door of {name}" }).ClickAsync();
        await Expect(doors.GetByText("· locked down")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Remote_unlock_says_when_no_edge_of_the_location_is_connected()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var name = $"Graca {tag}";
        var location = await web.NewLocationAsync(name);
        var door = $"Side door {tag}";
        await web.NewDoorAsync(location, "Courtyard", door);
        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page);
        await page.GotoAsync("/console/doors");
        await page.GetByLabel("Location", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = name });

        var row = page.GetByRole(AriaRole.Table, new() { Name = $"Doors at {name}" }).GetByRole(AriaRole.Row).Filter(new() { HasText = door });
        await Expect(row).ToContainTextAsync("Not reported yet");
        await row.GetByLabel("Seconds").FillAsync("5");
        await row.GetByRole(AriaRole.Button, new() { Name = $"Unlock {door}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = $"{door} was not unlocked" })).ToContainTextAsync("No edge of this location is connected");
        await page.AssertAccessibleAsync();
    }

    [Fact]
    public async Task Manager_sees_only_their_locations_doors()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var mine = await web.NewLocationAsync($"Chiado {tag}");
        var other = await web.NewLocationAsync($"Bairro {tag}");
        await web.NewDoorAsync(mine, "Lobby", $"Mine door {tag}");
        await web.NewDoorAsync(other, "Lobby", $"Other door {tag}");
        const string password = "manager-doors-123";
        var manager = await web.NewOperatorAsync("location_manager", password, mine);

        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page, manager, password);
        await page.GetByRole(AriaRole.Link, new() { Name = "Doors", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = $"Doors at Chiado {tag}" })).ToContainTextAsync($"Mine door {tag}");
        await Expect(page.GetByRole(AriaRole.Main)).Not.ToContainTextAsync($"Other door {tag}");
        await Expect(page.GetByRole(AriaRole.Main)).Not.ToContainTextAsync($"Bairro {tag}");
        await page.AssertAccessibleAsync();

        await page.GotoAsync($"/console/doors/lockdown?location={other}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Nothing to lock down here" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Lock down", Exact = false })).ToHaveCountAsync(0);
    }
}
