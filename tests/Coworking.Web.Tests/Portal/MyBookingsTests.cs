using System.Globalization;
using System.Text.RegularExpressions;
using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Portal;

/// <summary>A member finds their bookings with the QR code, moves and cancels one, and subscribes to their calendar.</summary>
[Collection(WebCollection.Name)]
public sealed class MyBookingsTests(WebHub web)
{
    private static readonly TimeZoneInfo Lisbon = TimeZoneInfo.FindSystemTimeZoneById("Europe/Lisbon");

    [Fact]
    public async Task Member_sees_tomorrows_desk_with_its_QR_code_moves_it_cancels_it_and_gets_calendar_links()
    {
        var (member, desk, start) = await MemberWithDeskTomorrowAsync("Bea Booker", "Desk 14");
        await web.PostAsync("/api/v1/bookings", new { memberId = member.Id, resourceId = desk, start, end = start.AddHours(2) });
        var page = await web.NewPageAsync(390, 844);

        await SignInAsync(page, member.Email);
        await page.GetByRole(AriaRole.Link, new() { Name = "My bookings" }).ClickAsync();

        var pass = page.GetByRole(AriaRole.Article, new() { Name = "Desk 14" });
        await Expect(pass.GetByRole(AriaRole.Img, new() { Name = "QR code for Desk 14" })).ToBeVisibleAsync();
        await Expect(pass).ToContainTextAsync("09:55 (5 minutes before the start) until 12:00");
        await Expect(pass).ToContainTextAsync("In your confirmation e-mail");
        await page.GetByRole(AriaRole.Button, new() { Name = "Make my calendar links" }).ClickAsync();
        var google = page.GetByRole(AriaRole.Link, new() { Name = "Subscribe in Google Calendar" });
        await Expect(google).ToHaveAttributeAsync("href", new Regex(@"^https://calendar\.google\.com/calendar/r\?cid=webcal%3A%2F%2F.+%2Fcalendar%2F.+\.ics$"));
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Subscribe (Apple Calendar, Thunderbird and others)" }))
            .ToHaveAttributeAsync("href", new Regex(@"^webcal://.+/calendar/.+\.ics$"));
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Subscribe in Outlook" })).ToHaveAttributeAsync("href", new Regex("^https://outlook.live.com/calendar/0/addfromweb"));
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("portal-bookings");

        await pass.GetByRole(AriaRole.Link, new() { Name = "Move or cancel Desk 14" }).ClickAsync();
        await page.GetByLabel("Start").FillAsync("13:00");
        await page.GetByLabel("End").FillAsync("15:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Move the booking" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The booking is moved");
        await Expect(page.GetByRole(AriaRole.Article, new() { Name = "Desk 14" })).ToContainTextAsync("12:55 (5 minutes before the start) until 15:00");

        await page.GetByRole(AriaRole.Link, new() { Name = "Move or cancel Desk 14" }).ClickAsync();
        await page.AssertAccessibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel the booking" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The booking is cancelled");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "No upcoming bookings" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Past bookings" }).GetByRole(AriaRole.Row, new() { Name = "Desk 14" }))
            .ToContainTextAsync("Cancelled");
    }

    [Fact]
    public async Task Member_cannot_open_another_members_booking()
    {
        var (owner, desk, start) = await MemberWithDeskTomorrowAsync("Olga Owner", "Desk 3");
        var booking = (await web.PostAsync("/api/v1/bookings", new { memberId = owner.Id, resourceId = desk, start, end = start.AddHours(1) })).GetProperty("id").GetGuid();
        var other = await web.NewMemberAsync("Nico Nosy");
        var page = await web.NewPageAsync();

        await SignInAsync(page, other.Email);
        await page.GotoAsync($"/portal/bookings/{booking}");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Booking not found" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel the booking" })).ToHaveCountAsync(0);
    }

    /// <summary>A member on a hot-desk tier at a new location with one desk, and 10:00 tomorrow on Lisbon's wall clock.</summary>
    private async Task<((Guid Id, string Name, string Email) Member, Guid Desk, DateTimeOffset Start)> MemberWithDeskTomorrowAsync(string name, string deskName)
    {
        var location = await web.NewLocationAsync($"Bookings {Guid.NewGuid():N}"[..16]);
        var (area, _) = await web.NewDoorAsync(location, "Ground floor", "Front door");
        var desk = (await web.PostAsync($"/api/v1/locations/{location}/resources", new { areaId = area, name = deskName, kind = "hot_desk", capacity = 1 })).GetProperty("id").GetGuid();
        var tier = (await web.PostAsync("/api/v1/tiers", new
        {
            name = $"Desk {Guid.NewGuid():N}"[..9],
            terms = new
            {
                kind = "hot_desk", priceMinor = 9900, currency = "EUR", billingInterval = "monthly", access = "all_hours", allSites = false,
                allowedResourceKinds = new[] { "hot_desk" }, advanceBookingHours = 336,
            },
        })).GetProperty("id").GetGuid();
        var member = await web.NewMemberAsync(name, location);
        await web.PostAsync($"/api/v1/members/{member.Id}/membership", new { tierId = tier, channel = "website" });
        var tomorrow = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Lisbon).Date).AddDays(1);
        var local = tomorrow.ToDateTime(new TimeOnly(10, 0));
        var start = new DateTimeOffset(local, Lisbon.GetUtcOffset(local));
        Assert.Equal("10:00", TimeZoneInfo.ConvertTime(start, Lisbon).ToString("HH:mm", CultureInfo.InvariantCulture));
        return (member, desk, start);
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
}
