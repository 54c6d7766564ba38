using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Console;

/// <summary>The day board: book on a member's behalf from a free slot, a conflict refused on the form, move, cancel, and a maintenance block.</summary>
[Collection(WebCollection.Name)]
public sealed class DayBoardTests(WebHub web)
{
    [Fact]
    public async Task Room_booked_on_behalf_from_the_day_board_is_moved_and_cancelled_and_a_double_booking_is_refused_on_the_form()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var name = $"Board {tag}";
        var location = await web.NewLocationAsync(name);
        var (areaId, _) = await web.NewDoorAsync(location, "First floor", $"Stairs {tag}");
        var room = $"Room {tag}";
        await NewResourceAsync(location, areaId, room);
        var (_, member, email) = await web.NewMemberAsync($"Booker{tag} Lima", location);
        var tomorrow = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Europe/Lisbon")).DateTime).AddDays(1)
            .ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page);
        await page.GetByLabel("Location", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = name });
        await page.GetByRole(AriaRole.Link, new() { Name = "Day board", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Next day" }).ClickAsync();
        var board = page.GetByRole(AriaRole.Region, new() { Name = $"Day board of {name}" });
        await Expect(board.GetByRole(AriaRole.Rowheader)).ToContainTextAsync(room);

        await board.GetByRole(AriaRole.Link, new() { Name = $"Book {room} at 09:00" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Book {room}" })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("End", new() { Exact = true })).ToHaveValueAsync("10:00");
        await page.GetByLabel("Member", new() { Exact = true }).FillAsync(email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Book", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The booking is made");
        await Expect(board).ToContainTextAsync($"{member} 09:00–10:00");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("console-day-board");

        // The same room at 09:30 overlaps: the API's conflict comes back beside the resource.
        await page.GotoAsync($"/console/bookings/new?resource={await ResourceIdAsync(location, room)}&date={tomorrow}&time=09:30");
        await page.GetByLabel("Member", new() { Exact = true }).FillAsync(email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Book", Exact = true }).ClickAsync();
        await Expect(page.GetByText("Resource is already booked or blocked for part of that time")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Resource", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");
        await page.AssertAccessibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Cancel" }).ClickAsync();

        await board.GetByRole(AriaRole.Link, new() { Name = $"{member} 09:00–10:00" }).ClickAsync();
        await page.GetByLabel("Start", new() { Exact = true }).FillAsync("11:00");
        await page.GetByLabel("End", new() { Exact = true }).FillAsync("12:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Move the booking" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The booking is moved");
        await Expect(board).ToContainTextAsync($"{member} 11:00–12:00");
        await Expect(board).Not.ToContainTextAsync("09:00–10:00");

        await board.GetByRole(AriaRole.Link, new() { Name = $"{member} 11:00–12:00" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel the booking" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The booking is cancelled");
        await Expect(board).Not.ToContainTextAsync(member);
        Assert.DoesNotContain(email, await web.GetTextAsync($"/api/v1/bookings?locationId={location}"));
    }

    [Fact]
    public async Task Maintenance_block_added_on_the_day_board_is_shaded_and_refuses_a_booking_over_it()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var name = $"Fixit {tag}";
        var location = await web.NewLocationAsync(name);
        var (areaId, _) = await web.NewDoorAsync(location, "Ground", $"Gate {tag}");
        var desk = $"Desk {tag}";
        await NewResourceAsync(location, areaId, desk);
        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page);
        await page.GotoAsync($"/console/bookings?location={location}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Next day" }).ClickAsync();

        await page.GetByLabel("Resource to block").SelectOptionAsync(new SelectOptionValue { Label = desk });
        await page.GetByLabel("From", new() { Exact = true }).FillAsync("14:00");
        await page.GetByLabel("Until", new() { Exact = true }).FillAsync("13:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Block the resource", Exact = false }).ClickAsync();
        await Expect(page.GetByText("Until must be after start")).ToBeVisibleAsync();

        await page.GetByLabel("Until", new() { Exact = true }).FillAsync("15:00");
        await page.GetByLabel("Note").FillAsync($"Projector {tag}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Block the resource", Exact = false }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("blocked for maintenance");
        var board = page.GetByRole(AriaRole.Region, new() { Name = $"Day board of {name}" });
        await Expect(board.GetByRole(AriaRole.Link, new() { Name = $"Maintenance 14:00–15:00: Projector {tag}" })).ToBeVisibleAsync();
        await Expect(board.GetByRole(AriaRole.Link, new() { Name = $"Book {desk} at 14:30" })).ToHaveCountAsync(0);
        await page.AssertAccessibleAsync();
    }

    private async Task NewResourceAsync(Guid location, Guid areaId, string name)
    {
        using var answer = await web.Admin.PostAsJsonAsync($"/api/v1/locations/{location}/resources", new { areaId, name, kind = "meeting_room", capacity = 6 });
        Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
    }

    private async Task<Guid> ResourceIdAsync(Guid location, string name)
    {
        using var doc = JsonDocument.Parse(await web.GetTextAsync($"/api/v1/locations/{location}/resources"));
        return doc.RootElement.GetProperty("items").EnumerateArray().First(r => r.GetProperty("name").GetString() == name).GetProperty("id").GetGuid();
    }
}
