using System.Globalization;
using System.Text.RegularExpressions;
using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Portal;

/// <summary>A member books in one flow: availability that updates live, a slot confirmed, and the upgrade a refused rule offers.</summary>
[Collection(WebCollection.Name)]
public sealed class BookTests(WebHub web)
{
    private static readonly TimeZoneInfo Lisbon = TimeZoneInfo.FindSystemTimeZoneById("Europe/Lisbon");

    [Fact]
    public async Task Member_books_a_desk_for_tomorrow_and_sees_another_booking_arrive_live()
    {
        var location = await web.NewLocationAsync($"Book {Guid.NewGuid():N}"[..12]);
        var (area, _) = await web.NewDoorAsync(location, "Ground floor", "Front door");
        var desk7 = await NewResourceAsync(location, area, "Desk 7", "hot_desk");
        var desk8 = await NewResourceAsync(location, area, "Desk 8", "hot_desk");
        var tier = await NewTierAsync("hot_desk", 9900, ["hot_desk"]);
        var member = await NewMemberOnTierAsync("Tomas Tomorrow", location, tier);
        var other = await NewMemberOnTierAsync("Olga Other", location, tier);
        var tomorrow = Tomorrow();
        var page = await web.NewPageAsync(390, 844);

        await MemberPortal.SignInAsync(web, page, member.Email);
        await page.GetByRole(AriaRole.Link, new() { Name = "Book", Exact = true }).ClickAsync();
        await page.GetByLabel("Location").SelectOptionAsync(new SelectOptionValue { Value = location.ToString() });
        await page.GetByLabel("What").SelectOptionAsync(new SelectOptionValue { Label = "Hot desk" });
        await page.GetByLabel("From").FillAsync(tomorrow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Show availability" }).ClickAsync();
        var eight = page.GetByRole(AriaRole.Article, new() { Name = "Desk 8" });
        await Expect(eight).ToContainTextAsync("Free 00:00–24:00");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("portal-availability");

        // Someone else books Desk 8 while the page is open: it shows without a reload.
        await web.PostAsync("/api/v1/bookings", new { memberId = other.Id, resourceId = desk8, start = At(tomorrow, 10), end = At(tomorrow, 12) });
        await Expect(eight).ToContainTextAsync("Taken 10:00–12:00");
        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Updated at");

        await page.GetByRole(AriaRole.Link, new() { Name = "Book Desk 7" }).ClickAsync();
        await page.GetByLabel("Start").FillAsync("09:00");
        await page.GetByLabel("End").FillAsync("17:30");
        await page.AssertAccessibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm booking" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Booked: Desk 7" })).ToBeVisibleAsync();
        var pass = page.GetByRole(AriaRole.Article);
        await Expect(pass).ToContainTextAsync("From 08:55 (5 minutes before the start) until 17:30");
        await Expect(pass.GetByRole(AriaRole.Img, new() { Name = "QR code for Desk 7" })).ToBeVisibleAsync();
        await Expect(pass.Locator("dd.pin")).ToHaveTextAsync(new Regex(@"^\d{4,8}$"));
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("portal-booked");
        var bookings = await web.GetTextAsync($"/api/v1/bookings?memberId={member.Id}");
        Assert.Contains(desk7.ToString(), bookings, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hot_desk_member_asking_for_a_private_office_is_offered_the_upgrade_and_upgrades_and_books()
    {
        var location = await web.NewLocationAsync($"Upgrade {Guid.NewGuid():N}"[..15]);
        var (area, _) = await web.NewDoorAsync(location, "First floor", "Office corridor");
        await NewResourceAsync(location, area, "Office 2", "private_office");
        var hotDesk = await NewTierAsync("hot_desk", 9900, ["hot_desk"]);
        var officeName = $"Office plan {Guid.NewGuid():N}"[..16];
        await NewTierAsync("private_office", 49900, ["hot_desk", "private_office"], officeName);
        var member = await NewMemberOnTierAsync("Hugo Hotdesk", location, hotDesk);
        var page = await web.NewPageAsync(390, 844);

        await MemberPortal.SignInAsync(web, page, member.Email);
        await page.GotoAsync($"/portal/book?location={location}&kind=private_office&date={Tomorrow():yyyy-MM-dd}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Book Office 2" }).ClickAsync();
        await page.GetByLabel("Start").FillAsync("09:00");
        await page.GetByLabel("End").FillAsync("18:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm booking" }).ClickAsync();

        var refused = page.GetByRole(AriaRole.Region, new() { Name = "Your plan does not allow this booking" });
        await Expect(refused).ToContainTextAsync("Your plan does not include this. It books: hot desk.");
        await Expect(refused).ToContainTextAsync($"The {officeName} plan allows it: EUR 499.00 a month. Changing now costs EUR 400.00");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("portal-upgrade-prompt");
        await refused.GetByRole(AriaRole.Button, new() { Name = $"Upgrade to {officeName} and book" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Booked: Office 2" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"your plan is now {officeName}");
        var membership = await web.GetTextAsync($"/api/v1/members/{member.Id}/membership");
        Assert.DoesNotContain(hotDesk.ToString(), membership, StringComparison.Ordinal);
    }

    private async Task<Guid> NewResourceAsync(Guid location, Guid area, string name, string kind) =>
        (await web.PostAsync($"/api/v1/locations/{location}/resources", new { areaId = area, name, kind, capacity = 1 })).GetProperty("id").GetGuid();

    private async Task<Guid> NewTierAsync(string kind, long price, string[] allowed, string? name = null) =>
        (await web.PostAsync("/api/v1/tiers", new
        {
            name = name ?? $"Tier {Guid.NewGuid():N}"[..13],
            terms = new
            {
                kind, priceMinor = price, currency = "EUR", billingInterval = "monthly", access = "all_hours", allSites = false,
                allowedResourceKinds = allowed, advanceBookingHours = 336,
            },
        })).GetProperty("id").GetGuid();

    private async Task<(Guid Id, string Name, string Email)> NewMemberOnTierAsync(string name, Guid location, Guid tier)
    {
        var member = await web.NewMemberAsync(name, location);
        await web.PostAsync($"/api/v1/members/{member.Id}/membership", new { tierId = tier, channel = "website" });
        return member;
    }

    private static DateOnly Tomorrow() => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Lisbon).Date).AddDays(1);

    private static DateTimeOffset At(DateOnly date, int hour)
    {
        var local = date.ToDateTime(new TimeOnly(hour, 0));
        return new DateTimeOffset(local, Lisbon.GetUtcOffset(local));
    }
}
