using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Tests.Support;

namespace Coworking.Hub.Tests.Bookings;

/// <summary>
/// Each tier rule refuses a booking at its limit and allows one just below it; a refusal names the rule, the
/// limit, the member's tier and the cheapest tier that would allow the booking. Each test has its own
/// organisation, so the tiers it makes are the only candidates for the upgrade prompt.
/// </summary>
public sealed class TierRuleTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    // Monday 2 March 2026, 08:00 in London (GMT).
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Tomorrow9 = new(2026, 3, 3, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Advance_window_allows_a_start_at_its_edge_and_refuses_one_minute_beyond_with_the_upgrade()
    {
        var world = await WorldAsync(("advanceBookingHours", 24), ("priceMinor", 10000));
        var dedicated = await Workspace.TierAsync(world.Admin, Workspace.Terms(("advanceBookingHours", 168), ("priceMinor", 30000)), "Dedicated");
        await Workspace.TierAsync(world.Admin, Workspace.Terms(("priceMinor", 90000)), "Unlimited");

        await world.BookAsync(world.Desk, Now.AddHours(24), Now.AddHours(25));
        using var refused = await world.PostAsync(world.Desk, Now.AddHours(24).AddMinutes(1), Now.AddHours(26));

        await AssertRefusedAsync(refused, "advance_booking_hours", 24, world.Tier, dedicated);
    }

    [Fact]
    public async Task Daily_hours_allow_reaching_the_limit_and_refuse_going_past_it()
    {
        var world = await WorldAsync(("dailyBookingHours", 4));
        var bigger = await Workspace.TierAsync(world.Admin, Workspace.Terms(("dailyBookingHours", 8), ("priceMinor", 40000)), "Eight hours");

        await world.BookAsync(world.Desk, Tomorrow9, Tomorrow9.AddHours(3));
        await world.BookAsync(world.Room, Tomorrow9.AddHours(3), Tomorrow9.AddHours(4));
        using var refused = await world.PostAsync(world.Room, Tomorrow9.AddHours(5), Tomorrow9.AddHours(5).AddMinutes(15));

        await AssertRefusedAsync(refused, "daily_booking_hours", 4, world.Tier, bigger);
        await world.BookAsync(world.Room, Tomorrow9.AddDays(1), Tomorrow9.AddDays(1).AddHours(4));
    }

    [Fact]
    public async Task Concurrent_room_bookings_allow_the_limit_and_refuse_one_more_until_one_has_ended()
    {
        var world = await WorldAsync(("maxConcurrentRoomBookings", 2));
        var roomy = await Workspace.TierAsync(world.Admin, Workspace.Terms(("priceMinor", 50000)), "Roomy");

        await world.BookAsync(world.Room, Tomorrow9, Tomorrow9.AddHours(1));
        await world.BookAsync(world.Room, Tomorrow9.AddDays(1), Tomorrow9.AddDays(1).AddHours(1));
        using var refused = await world.PostAsync(world.Room, Tomorrow9.AddDays(2), Tomorrow9.AddDays(2).AddHours(1));
        await world.BookAsync(world.Desk, Tomorrow9.AddDays(2), Tomorrow9.AddDays(2).AddHours(1));

        await AssertRefusedAsync(refused, "concurrent_room_bookings", 2, world.Tier, roomy);
        hub.Time.AdjustTime(Tomorrow9.AddHours(1));
        await world.BookAsync(world.Room, Tomorrow9.AddDays(2), Tomorrow9.AddDays(2).AddHours(1));
    }

    [Fact]
    public async Task Room_hours_per_month_allow_reaching_the_limit_and_refuse_past_it_within_the_calendar_month()
    {
        var world = await WorldAsync(("roomHoursPerMonth", 3));
        var more = await Workspace.TierAsync(world.Admin, Workspace.Terms(("roomHoursPerMonth", 10), ("priceMinor", 35000)), "More rooms");

        await world.BookAsync(world.Room, Tomorrow9, Tomorrow9.AddHours(2));
        await world.BookAsync(world.Room, Tomorrow9.AddDays(1), Tomorrow9.AddDays(1).AddHours(1));
        using var refused = await world.PostAsync(world.Room, Tomorrow9.AddDays(2), Tomorrow9.AddDays(2).AddMinutes(30));

        await AssertRefusedAsync(refused, "room_hours_per_month", 3, world.Tier, more);
        await world.BookAsync(world.Room, new DateTimeOffset(2026, 4, 1, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 4, 1, 12, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task Booking_credits_allow_the_last_credit_and_refuse_the_next_booking()
    {
        var world = await WorldAsync(("bookingCreditsPerMonth", 2));
        var more = await Workspace.TierAsync(world.Admin, Workspace.Terms(("bookingCreditsPerMonth", 20), ("priceMinor", 25000)), "Twenty credits");

        await world.BookAsync(world.Desk, Tomorrow9, Tomorrow9.AddHours(1));
        await world.BookAsync(world.Room, Tomorrow9.AddDays(1), Tomorrow9.AddDays(1).AddHours(1));
        using var refused = await world.PostAsync(world.Desk, Tomorrow9.AddDays(2), Tomorrow9.AddDays(2).AddHours(1));

        await AssertRefusedAsync(refused, "booking_credits_per_month", 2, world.Tier, more);
    }

    [Fact]
    public async Task Cancelled_bookings_give_their_credit_back()
    {
        var world = await WorldAsync(("bookingCreditsPerMonth", 1));
        var booked = await world.BookAsync(world.Desk, Tomorrow9, Tomorrow9.AddHours(1));

        await world.Admin.PostJsonAsync($"/api/v1/bookings/{booked.Id()}/cancel", new { });

        await world.BookAsync(world.Room, Tomorrow9.AddDays(1), Tomorrow9.AddDays(1).AddHours(1));
    }

    [Fact]
    public async Task Resource_kind_outside_the_tier_is_refused_with_the_kinds_it_allows()
    {
        var world = await WorldAsync(("allowedResourceKinds", new[] { "hot_desk" }));
        var rooms = await Workspace.TierAsync(world.Admin, Workspace.Terms(("priceMinor", 30000)), "Rooms too");

        await world.BookAsync(world.Desk, Tomorrow9, Tomorrow9.AddHours(1));
        using var refused = await world.PostAsync(world.Room, Tomorrow9, Tomorrow9.AddHours(1));

        var problem = await AssertRefusedAsync(refused, "resource_kind", null, world.Tier, rooms);
        Assert.Equal(["hot_desk"], problem["limit"]!.AsArray().Select(k => k!.GetValue<string>()));
    }

    [Fact]
    public async Task Home_site_tier_is_refused_at_another_site_and_an_all_sites_tier_is_offered()
    {
        var world = await WorldAsync(("allSites", false));
        var roaming = await Workspace.TierAsync(world.Admin, Workspace.Terms(("priceMinor", 60000)), "Roaming");
        var away = await Workspace.SiteAsync(world.Admin, name: "Away");
        var awayDesk = await Workspace.ResourceAsync(world.Admin, away, "hot_desk");

        await world.BookAsync(world.Desk, Tomorrow9, Tomorrow9.AddHours(1));
        using var refused = await world.PostAsync(awayDesk, Tomorrow9, Tomorrow9.AddHours(1));

        await AssertRefusedAsync(refused, "home_site", null, world.Tier, roaming);
    }

    [Fact]
    public async Task Staffed_hours_tier_books_up_to_closing_and_is_refused_after_it()
    {
        var world = await WorldAsync(("access", "staffed_hours"));
        var allHours = await Workspace.TierAsync(world.Admin, Workspace.Terms(("priceMinor", 45000)), "24/7");

        await world.BookAsync(world.Room, Tomorrow9.AddHours(8), Tomorrow9.AddHours(9));
        using var refused = await world.PostAsync(world.Room, Tomorrow9.AddHours(9), Tomorrow9.AddHours(9).AddMinutes(30));

        await AssertRefusedAsync(refused, "staffed_hours", null, world.Tier, allHours);
    }

    [Fact]
    public async Task Member_without_a_membership_is_offered_the_cheapest_tier_that_allows_the_booking()
    {
        var world = await WorldAsync(("priceMinor", 50000));
        await Workspace.TierAsync(world.Admin, Workspace.Terms(("priceMinor", 5000), ("allowedResourceKinds", new[] { "hot_desk" })), "Desk only");
        var cheapRooms = await Workspace.TierAsync(world.Admin, Workspace.Terms(("priceMinor", 9000)), "Cheap rooms");
        var guest = await HubFixture.CreateMemberAsync(world.Admin, world.Site.LocationId);

        using var refused = await world.Admin.PostAsJsonAsync("/api/v1/bookings", new { memberId = guest, resourceId = world.Room, start = Tomorrow9, end = Tomorrow9.AddHours(1) });

        await AssertRefusedAsync(refused, "membership_required", null, null, cheapRooms);
    }

    [Fact]
    public async Task Paused_member_may_not_book_and_no_tier_is_offered()
    {
        var world = await WorldAsync();
        await Workspace.TierAsync(world.Admin, Workspace.Terms(("priceMinor", 1)), "Any");
        await world.Admin.PostJsonAsync($"/api/v1/members/{world.Member}/membership/pause", new { });

        using var refused = await world.PostAsync(world.Desk, Tomorrow9, Tomorrow9.AddHours(1));
        using var onBehalf = await world.Admin.PostAsJsonAsync(
            "/api/v1/bookings", new { memberId = world.Member, resourceId = world.Desk, start = Tomorrow9, end = Tomorrow9.AddHours(1), onBehalf = true });

        await AssertRefusedAsync(refused, "member_status", null, world.Tier, null);
        await AssertRefusedAsync(onBehalf, "member_status", null, null, null);
    }

    [Fact]
    public async Task Operator_booking_on_behalf_passes_the_tier_limits_but_not_overlap()
    {
        var world = await WorldAsync(("dailyBookingHours", 1));
        await world.BookAsync(world.Desk, Tomorrow9, Tomorrow9.AddHours(1));

        using var onBehalf = await world.Admin.PostAsJsonAsync(
            "/api/v1/bookings", new { memberId = world.Member, resourceId = world.Room, start = Tomorrow9.AddHours(1), end = Tomorrow9.AddHours(5), onBehalf = true });
        using var overlapping = await world.Admin.PostAsJsonAsync(
            "/api/v1/bookings", new { memberId = world.Member, resourceId = world.Room, start = Tomorrow9.AddHours(2), end = Tomorrow9.AddHours(3), onBehalf = true });

        Assert.True((await onBehalf.SuccessBodyAsync())["onBehalf"]!.GetValue<bool>());
        await overlapping.ProblemAsync(409);
    }

    [Fact]
    public async Task Location_override_of_a_limit_applies_to_bookings_there()
    {
        var world = await WorldAsync(("dailyBookingHours", 1));
        using (var put = await world.Admin.PutAsJsonAsync($"/api/v1/tiers/{world.Tier}/locations/{world.Site.LocationId}", new { dailyBookingHours = 3 }))
        {
            await put.SuccessBodyAsync();
        }

        await world.BookAsync(world.Desk, Tomorrow9, Tomorrow9.AddHours(3));
        using var refused = await world.PostAsync(world.Room, Tomorrow9.AddHours(3), Tomorrow9.AddHours(4));

        await AssertRefusedAsync(refused, "daily_booking_hours", 3, world.Tier, null);
    }

    private static async Task<JsonObject> AssertRefusedAsync(HttpResponseMessage response, string rule, int? limit, Guid? tier, Guid? upgradeTo)
    {
        var problem = await response.ProblemAsync(422);
        Assert.Equal(rule, problem["rule"]!.GetValue<string>());
        if (limit is not null)
        {
            Assert.Equal(limit, problem["limit"]!.GetValue<int>());
        }

        Assert.Equal(tier, problem["tier"]?["id"]!.GetValue<Guid>());
        Assert.Equal(upgradeTo, problem["upgradeTo"]?["id"]!.GetValue<Guid>());
        return problem;
    }

    private async Task<World> WorldAsync(params (string Key, object? Value)[] terms)
    {
        hub.Time.AdjustTime(Now);
        var admin = await hub.NewOrganisationAsync();
        var site = await Workspace.SiteAsync(admin);
        var tier = await Workspace.TierAsync(admin, Workspace.Terms([("priceMinor", 20000), .. terms]), "Current");
        var member = await Workspace.MemberAsync(admin, site.LocationId, tier);
        return new World(admin, site, tier, member, await Workspace.ResourceAsync(admin, site, "hot_desk"), await Workspace.ResourceAsync(admin, site, "meeting_room"));
    }

    private sealed record World(HttpClient Admin, Site Site, Guid Tier, Guid Member, Guid Desk, Guid Room)
    {
        public Task<HttpResponseMessage> PostAsync(Guid resource, DateTimeOffset start, DateTimeOffset end) =>
            Admin.PostAsJsonAsync("/api/v1/bookings", new { memberId = Member, resourceId = resource, start, end });

        public async Task<JsonObject> BookAsync(Guid resource, DateTimeOffset start, DateTimeOffset end)
        {
            using var response = await PostAsync(resource, start, end);
            return await response.SuccessBodyAsync();
        }
    }
}
