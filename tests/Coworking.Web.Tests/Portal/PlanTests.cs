using System.Text.RegularExpressions;
using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Portal;

/// <summary>A member reads what their plan allows and what is left of this month's allowance, in words.</summary>
[Collection(WebCollection.Name)]
public sealed class PlanTests(WebHub web)
{
    private static readonly TimeZoneInfo Lisbon = TimeZoneInfo.FindSystemTimeZoneById("Europe/Lisbon");

    [Fact]
    public async Task Member_sees_the_kinds_hours_and_meeting_room_hours_left_this_month()
    {
        var location = await web.NewLocationAsync($"Plan House {Guid.NewGuid():N}"[..16]);
        var (area, _) = await web.NewDoorAsync(location, "Ground floor", "Front door");
        var room = (await web.PostAsync($"/api/v1/locations/{location}/resources", new { areaId = area, name = "Room 1", kind = "meeting_room", capacity = 6 })).GetProperty("id").GetGuid();
        var tier = (await web.PostAsync("/api/v1/tiers", new
        {
            name = $"Flex {Guid.NewGuid():N}"[..9],
            terms = new
            {
                kind = "hot_desk", priceMinor = 19900, currency = "EUR", billingInterval = "monthly", access = "all_hours", allSites = false,
                allowedResourceKinds = new[] { "hot_desk", "meeting_room" }, roomHoursPerMonth = 10, guestPassesPerMonth = 2, advanceBookingHours = 336,
            },
        })).GetProperty("id").GetGuid();
        var member = await web.NewMemberAsync("Paula Plan", location);
        await web.PostAsync($"/api/v1/members/{member.Id}/membership", new { tierId = tier, channel = "website" });
        var start = DateTimeOffset.UtcNow.AddMinutes(30);
        start = new DateTimeOffset(start.Year, start.Month, start.Day, start.Hour, start.Minute - (start.Minute % 15), 0, TimeSpan.Zero).AddMinutes(15);
        await web.PostAsync("/api/v1/bookings", new { memberId = member.Id, resourceId = room, start, end = start.AddMinutes(90) });
        var page = await web.NewPageAsync(390, 844);

        await SignInAsync(page, member.Email);
        await page.GetByRole(AriaRole.Link, new() { Name = "My plan" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My plan: Flex" })).ToBeVisibleAsync();
        await Expect(page.GetByText("EUR 199.00 a month")).ToBeVisibleAsync();
        await Expect(page.GetByText("Hot desk, Meeting room")).ToBeVisibleAsync();
        await Expect(page.GetByText("Up to 14 days ahead")).ToBeVisibleAsync();
        var allowance = page.GetByRole(AriaRole.Region, new() { Name = "Allowance this month" });
        var sameMonth = TimeZoneInfo.ConvertTime(start, Lisbon).Month == TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Lisbon).Month;
        await Expect(allowance.GetByRole(AriaRole.Row, new() { Name = "Meeting-room hours" }))
            .ToContainTextAsync(sameMonth ? "1 h 30 min of 10 hours used, 8 h 30 min left" : "0 h of 10 hours used, 10 h left");
        await Expect(allowance.GetByRole(AriaRole.Row, new() { Name = "Guest passes" })).ToContainTextAsync("0 of 2 used, 2 left");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("portal-plan");
    }

    [Fact]
    public async Task Member_without_a_plan_is_told_to_ask_the_front_desk()
    {
        var member = await web.NewMemberAsync("Nora Noplan");
        var page = await web.NewPageAsync();

        await SignInAsync(page, member.Email);
        await page.GotoAsync("/portal/plan");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You have no plan yet" })).ToBeVisibleAsync();
        await page.AssertAccessibleAsync();
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
