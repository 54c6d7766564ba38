using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Tests.Support;

namespace Coworking.Hub.Tests.Bookings;

/// <summary>Local days, bookable hours, daily limits and series across DST changes in Europe/London and America/New_York.</summary>
public sealed class DaylightSavingTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("Europe/London", "2026-03-29", "2026-03-29T00:00:00Z", "2026-03-29T23:00:00Z")]
    [InlineData("Europe/London", "2026-10-25", "2026-10-24T23:00:00Z", "2026-10-26T00:00:00Z")]
    [InlineData("America/New_York", "2026-03-08", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z")]
    [InlineData("America/New_York", "2026-11-01", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z")]
    public async Task Availability_of_a_change_day_spans_its_real_23_or_25_hours(string zone, string date, string from, string to)
    {
        hub.Time.AdjustTime(Now);
        var site = await Workspace.SiteAsync(hub.Admin, zone);
        var desk = await Workspace.ResourceAsync(hub.Admin, site, "hot_desk");

        var day = await hub.Admin.GetJsonAsync($"/api/v1/locations/{site.LocationId}/availability?date={date}&kind=hot_desk");

        var free = Assert.Single(Assert.Single(day["resources"]!.AsArray())!["free"]!.AsArray());
        Assert.Equal(DateTimeOffset.Parse(from, System.Globalization.CultureInfo.InvariantCulture), free!["start"]!.GetValue<DateTimeOffset>());
        Assert.Equal(DateTimeOffset.Parse(to, System.Globalization.CultureInfo.InvariantCulture), free["end"]!.GetValue<DateTimeOffset>());
        Assert.Equal(desk, day["resources"]![0]!["id"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task Bookable_hours_stay_at_local_nine_to_five_on_both_sides_of_the_london_change()
    {
        hub.Time.AdjustTime(Now);
        var site = await Workspace.SiteAsync(hub.Admin);
        var room = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room", bookableHours: new
        {
            friday = new[] { new { open = "09:00", close = "17:00" } },
            monday = new[] { new { open = "09:00", close = "17:00" } },
        });
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, await Workspace.TierAsync(hub.Admin, Workspace.Terms()));

        var friday = await FreeAsync(site, "2026-03-27");
        var monday = await FreeAsync(site, "2026-03-30");
        using var nineGmtOnMonday = await hub.Admin.PostAsJsonAsync("/api/v1/bookings", new
        {
            memberId = member, resourceId = room, start = new DateTimeOffset(2026, 3, 30, 7, 30, 0, TimeSpan.Zero), end = new DateTimeOffset(2026, 3, 30, 9, 0, 0, TimeSpan.Zero),
        });
        using var nineBstOnMonday = await hub.Admin.PostAsJsonAsync("/api/v1/bookings", new
        {
            memberId = member, resourceId = room, start = new DateTimeOffset(2026, 3, 30, 9, 0, 0, TimeSpan.FromHours(1)), end = new DateTimeOffset(2026, 3, 30, 10, 0, 0, TimeSpan.FromHours(1)),
        });

        Assert.Equal(("2026-03-27T09:00:00Z", "2026-03-27T17:00:00Z"), friday);
        Assert.Equal(("2026-03-30T08:00:00Z", "2026-03-30T16:00:00Z"), monday);
        await nineGmtOnMonday.ProblemAsync(422);
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 8, 0, 0, TimeSpan.Zero), (await nineBstOnMonday.SuccessBodyAsync())["start"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task Daily_hours_count_new_york_local_days_not_utc_days_across_the_autumn_change()
    {
        hub.Time.AdjustTime(new DateTimeOffset(2026, 10, 30, 12, 0, 0, TimeSpan.Zero));
        var admin = await hub.NewOrganisationAsync();
        var site = await Workspace.SiteAsync(admin, "America/New_York");
        var member = await Workspace.MemberAsync(admin, site.LocationId, await Workspace.TierAsync(admin, Workspace.Terms(("dailyBookingHours", 1))));
        var desk = await Workspace.ResourceAsync(admin, site, "hot_desk");
        var eastern = TimeSpan.FromHours(-5);

        // 22:00-23:00 on Sunday 1 November and 00:00-01:00 on Monday 2 November (EST): one UTC day, two local days.
        using var sunday = await BookAsync(admin, member, desk, new DateTimeOffset(2026, 11, 1, 22, 0, 0, eastern), new DateTimeOffset(2026, 11, 1, 23, 0, 0, eastern));
        using var monday = await BookAsync(admin, member, desk, new DateTimeOffset(2026, 11, 2, 0, 0, 0, eastern), new DateTimeOffset(2026, 11, 2, 1, 0, 0, eastern));
        using var mondayAgain = await BookAsync(admin, member, desk, new DateTimeOffset(2026, 11, 2, 9, 0, 0, eastern), new DateTimeOffset(2026, 11, 2, 9, 30, 0, eastern));

        await sunday.SuccessBodyAsync();
        await monday.SuccessBodyAsync();
        Assert.Equal("daily_booking_hours", (await mondayAgain.ProblemAsync(422))["rule"]!.GetValue<string>());
    }

    [Fact]
    public async Task Weekly_series_stays_at_local_nine_across_the_spring_change_in_both_zones()
    {
        hub.Time.AdjustTime(Now);
        foreach (var (zone, before, after) in new[]
        {
            ("Europe/London", TimeSpan.Zero, TimeSpan.FromHours(1)),
            ("America/New_York", TimeSpan.FromHours(-5), TimeSpan.FromHours(-4)),
        })
        {
            var site = await Workspace.SiteAsync(hub.Admin, zone);
            var desk = await Workspace.ResourceAsync(hub.Admin, site, "dedicated_desk");
            var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, await Workspace.TierAsync(hub.Admin, Workspace.Terms()));

            var series = await hub.Admin.PostJsonAsync("/api/v1/bookings/series", new
            {
                memberId = member, resourceId = desk, weekdays = new[] { "monday" }, startTime = "09:00", endTime = "17:00", from = "2026-03-02", until = "2026-04-06",
            });

            var starts = series["booked"]!.AsArray().Select(b => b!["start"]!.GetValue<DateTimeOffset>()).ToList();
            Assert.Equal(6, starts.Count);
            Assert.Equal(new DateTimeOffset(2026, 3, 2, 9, 0, 0, before), starts[0]);
            Assert.Equal(new DateTimeOffset(2026, 4, 6, 9, 0, 0, after), starts[^1]);
        }
    }

    private static Task<HttpResponseMessage> BookAsync(HttpClient admin, Guid member, Guid resource, DateTimeOffset start, DateTimeOffset end) =>
        admin.PostAsJsonAsync("/api/v1/bookings", new { memberId = member, resourceId = resource, start, end });

    private async Task<(string, string)> FreeAsync(Site site, string date)
    {
        var day = await hub.Admin.GetJsonAsync($"/api/v1/locations/{site.LocationId}/availability?date={date}");
        var free = Assert.Single(day["resources"]![0]!["free"]!.AsArray())!.AsObject();
        return (Instant(free["start"]!), Instant(free["end"]!));
    }

    private static string Instant(JsonNode node) =>
        node.GetValue<DateTimeOffset>().ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
