using System.Net.Http.Json;
using Coworking.Hub.Access;
using Coworking.Hub.Tests.Support;
using Coworking.Proto.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Bookings;

/// <summary>Recurring series with per-occurrence conflicts, maintenance blocks, area holds and transfers.</summary>
public sealed class OperatorOverrideTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Series_books_every_monday_and_wednesday_and_reports_each_taken_occurrence_without_failing_the_rest()
    {
        var (site, member, desk) = await SetUpAsync();
        var other = await Workspace.MemberAsync(hub.Admin, site.LocationId, await Workspace.TierAsync(hub.Admin, Workspace.Terms()));
        var taken = new DateTimeOffset(2026, 3, 11, 9, 0, 0, TimeSpan.Zero);
        await hub.Admin.PostJsonAsync("/api/v1/bookings", new { memberId = other, resourceId = desk, start = taken, end = taken.AddHours(1) });

        var series = await hub.Admin.PostJsonAsync("/api/v1/bookings/series", new
        {
            memberId = member, resourceId = desk, weekdays = new[] { "monday", "wednesday" }, startTime = "09:00", endTime = "17:00", from = "2026-03-02", until = "2026-03-13",
        });

        var booked = series["booked"]!.AsArray();
        Assert.Equal(3, booked.Count);
        Assert.All(booked, b => Assert.Matches("^[0-9]{6}$", b!["pin"]!.GetValue<string>()));
        var conflict = Assert.Single(series["conflicts"]!.AsArray())!;
        Assert.Equal("taken", conflict["reason"]!.GetValue<string>());
        Assert.Equal(taken, conflict["start"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task Series_occurrences_past_the_advance_window_are_booked_and_those_over_a_limit_are_conflicts_with_the_rule()
    {
        hub.Time.AdjustTime(Now);
        var site = await Workspace.SiteAsync(hub.Admin);
        var tier = await Workspace.TierAsync(hub.Admin, Workspace.Terms(("advanceBookingHours", 24), ("bookingCreditsPerMonth", 3)));
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, tier);
        var desk = await Workspace.ResourceAsync(hub.Admin, site, "dedicated_desk");

        var series = await hub.Admin.PostJsonAsync("/api/v1/bookings/series", new
        {
            memberId = member, resourceId = desk, weekdays = new[] { "tuesday" }, startTime = "09:00", endTime = "12:00", from = "2026-03-02", until = "2026-04-07",
        });

        // March has four Tuesdays (3, 10, 17, 24, 31 minus the fifth over 3 credits); April's first is a new month.
        Assert.Equal(4, series["booked"]!.AsArray().Count);
        var conflicts = series["conflicts"]!.AsArray();
        Assert.Equal(2, conflicts.Count);
        Assert.All(conflicts, c => Assert.Equal("booking_credits_per_month", c!["rule"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Cancelling_a_series_cancels_its_occurrences_that_have_not_started()
    {
        var (_, member, desk) = await SetUpAsync();
        var series = await hub.Admin.PostJsonAsync("/api/v1/bookings/series", new
        {
            memberId = member, resourceId = desk, weekdays = new[] { "monday" }, startTime = "09:00", endTime = "10:00", from = "2026-03-02", until = "2026-03-16",
        });
        hub.Time.AdjustTime(new DateTimeOffset(2026, 3, 2, 9, 30, 0, TimeSpan.Zero));

        var cancelled = await hub.Admin.PostJsonAsync($"/api/v1/bookings/series/{series["seriesId"]!.GetValue<Guid>()}/cancel", new { });

        Assert.Equal(2, cancelled.Items().Count);
        var remaining = (await hub.Admin.GetJsonAsync($"/api/v1/bookings?resourceId={desk}")).Items();
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero), Assert.Single(remaining)["start"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task Maintenance_block_makes_the_resource_unbookable_then_and_is_refused_over_a_booking()
    {
        var (_, member, desk) = await SetUpAsync();
        var start = new DateTimeOffset(2026, 3, 4, 9, 0, 0, TimeSpan.Zero);
        await hub.Admin.PostJsonAsync("/api/v1/bookings", new { memberId = member, resourceId = desk, start, end = start.AddHours(1) });

        var block = await hub.Admin.PostJsonAsync($"/api/v1/resources/{desk}/blocks", new { start = start.AddHours(1), end = start.AddHours(4), note = "new chair" });
        using var overBooking = await hub.Admin.PostAsJsonAsync($"/api/v1/resources/{desk}/blocks", new { start, end = start.AddHours(2) });
        using var booking = await hub.Admin.PostAsJsonAsync("/api/v1/bookings", new { memberId = member, resourceId = desk, start = start.AddHours(2), end = start.AddHours(3) });

        Assert.Equal("maintenance", block["kind"]!.GetValue<string>());
        Assert.Null(block["memberId"]);
        await overBooking.ProblemAsync(409);
        await booking.ProblemAsync(409);
    }

    [Fact]
    public async Task Holding_an_area_holds_each_free_desk_and_reports_the_taken_one()
    {
        var (site, member, desk) = await SetUpAsync();
        var second = await Workspace.ResourceAsync(hub.Admin, site, "dedicated_desk");
        var room = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room");
        var day = new DateTimeOffset(2026, 3, 5, 8, 0, 0, TimeSpan.Zero);
        await hub.Admin.PostJsonAsync("/api/v1/bookings", new { memberId = member, resourceId = desk, start = day.AddHours(2), end = day.AddHours(3) });

        var hold = await hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/areas/{site.AreaId}/holds", new { start = day, end = day.AddHours(10), note = "Team day" });

        var held = Assert.Single(hold["booked"]!.AsArray())!;
        Assert.Equal(second, held["resourceId"]!.GetValue<Guid>());
        Assert.Equal("hold", held["kind"]!.GetValue<string>());
        Assert.Equal(desk, Assert.Single(hold["conflicts"]!.AsArray())!["resourceId"]!.GetValue<Guid>());
        Assert.Empty((await hub.Admin.GetJsonAsync($"/api/v1/bookings?resourceId={room}")).Items());
    }

    [Fact]
    public async Task Transfer_revokes_the_old_pin_and_issues_a_new_one_to_the_new_member()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member, desk) = await SetUpAsync();
        var colleague = await Workspace.MemberAsync(hub.Admin, site.LocationId, await Workspace.TierAsync(hub.Admin, Workspace.Terms()));
        var start = new DateTimeOffset(2026, 3, 4, 9, 0, 0, TimeSpan.Zero);
        var booking = await hub.Admin.PostJsonAsync("/api/v1/bookings", new { memberId = member, resourceId = desk, start, end = start.AddHours(1) });
        var logBefore = await LogAsync(site.LocationId);
        var oldCredentials = logBefore.Where(c => c.Credential?.HolderId == booking.Id().ToString()).Select(c => c.Credential.CredentialId).ToList();

        var transferred = await hub.Admin.PostJsonAsync($"/api/v1/bookings/{booking.Id()}/transfer", new { memberId = colleague });

        Assert.Equal(colleague, transferred["memberId"]!.GetValue<Guid>());
        Assert.Matches("^[0-9]{6}$", transferred["pin"]!.GetValue<string>());
        var log = await LogAsync(site.LocationId);
        Assert.Equal(oldCredentials.Order(), log.Where(c => c.CredentialRevoked is not null).Select(c => c.CredentialRevoked.CredentialId).Order());
        Assert.Equal(4, log.Count(c => c.Credential?.HolderId == booking.Id().ToString()));
    }

    private async Task<(Site Site, Guid Member, Guid Desk)> SetUpAsync()
    {
        hub.Time.AdjustTime(Now);
        var site = await Workspace.SiteAsync(hub.Admin);
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, await Workspace.TierAsync(hub.Admin, Workspace.Terms()));
        return (site, member, await Workspace.ResourceAsync(hub.Admin, site, "hot_desk"));
    }

    private Task<IReadOnlyList<Change>> LogAsync(Guid location) =>
        hub.Services.GetRequiredService<ChangeLogStore>().ReadAsync(location, 0, 5000, default);
}
