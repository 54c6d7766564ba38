using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Tests.Support;

namespace Coworking.Hub.Tests.Bookings;

public sealed class CalendarAndHistoryTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Start = new(2026, 3, 30, 9, 0, 0, TimeSpan.FromHours(1));

    [Fact]
    public async Task Calendar_feed_parses_in_debian_python_icalendar_with_each_booking_at_its_times()
    {
        var (member, desk, room) = await SetUpAsync();
        var kept = await BookAsync(member, room, Start, Start.AddHours(2));
        var cancelled = await BookAsync(member, desk, Start.AddDays(1), Start.AddDays(1).AddHours(8));
        await hub.Admin.PostJsonAsync($"/api/v1/bookings/{cancelled.Id()}/cancel", new { });

        var url = (await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/calendar-token", new { }))["url"]!.GetValue<string>();
        using var anonymous = new HttpClient();
        using var feed = await anonymous.GetAsync(new Uri(url));
        var ics = await feed.Content.ReadAsStringAsync();

        Assert.Equal("text/calendar", feed.Content.Headers.ContentType?.MediaType);
        var events = await ParseWithPythonAsync(ics);
        Assert.Equal(2, events.Count);
        var room1 = events.Single(e => e["uid"]!.GetValue<string>() == $"{kept.Id()}@coworking");
        Assert.Equal(Start.ToUniversalTime(), room1["start"]!.GetValue<DateTimeOffset>());
        Assert.Equal(Start.AddHours(2).ToUniversalTime(), room1["end"]!.GetValue<DateTimeOffset>());
        Assert.Equal("CONFIRMED", room1["status"]!.GetValue<string>());
        Assert.Equal("CANCELLED", events.Single(e => e["uid"]!.GetValue<string>() == $"{cancelled.Id()}@coworking")["status"]!.GetValue<string>());
        Assert.DoesNotContain(kept["pin"]!.GetValue<string>(), ics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task New_calendar_token_revokes_the_old_url_and_delete_revokes_the_new_one()
    {
        var (member, _, _) = await SetUpAsync();
        var first = (await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/calendar-token", new { }))["url"]!.GetValue<string>();
        var second = (await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/calendar-token", new { }))["url"]!.GetValue<string>();
        using var anonymous = new HttpClient();

        using var old = await anonymous.GetAsync(new Uri(first));
        using var current = await anonymous.GetAsync(new Uri(second));
        using var revoke = await hub.Admin.DeleteAsync($"/api/v1/members/{member}/calendar-token");
        using var revoked = await anonymous.GetAsync(new Uri(second));

        Assert.Equal(404, (int)old.StatusCode);
        Assert.Equal(200, (int)current.StatusCode);
        Assert.Equal(204, (int)revoke.StatusCode);
        Assert.Equal(404, (int)revoked.StatusCode);
    }

    [Fact]
    public async Task Member_history_lists_membership_bookings_passes_and_status_changes_newest_first()
    {
        var (member, desk, _) = await SetUpAsync();
        hub.Time.AdjustTime(Now.AddMinutes(1));
        var booking = await BookAsync(member, desk, Start, Start.AddHours(1));
        hub.Time.AdjustTime(Now.AddMinutes(2));
        await hub.Admin.PostJsonAsync($"/api/v1/bookings/{booking.Id()}/cancel", new { });
        hub.Time.AdjustTime(Now.AddMinutes(3));
        await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/suspend", new { });

        var history = (await hub.Admin.GetJsonAsync($"/api/v1/members/{member}/history")).Items();

        var kinds = history.Select(h => h["kind"]!.GetValue<string>()).ToList();
        Assert.Equal("status_changed", kinds[0]);
        Assert.Equal("suspended", history[0]["detail"]!["to"]!.GetValue<string>());
        Assert.Equal(["booking_cancelled", "credential_revoked", "credential_revoked"], kinds[1..4].Order().ToList());
        Assert.Contains("booking_created", kinds);
        Assert.Equal(2, kinds.Count(k => k == "credential_issued"));
        Assert.Equal("joined", kinds[^1]);
        Assert.Equal(history.Select(h => h["at"]!.GetValue<DateTimeOffset>()).OrderDescending(), history.Select(h => h["at"]!.GetValue<DateTimeOffset>()));
    }

    private async Task<(Guid Member, Guid Desk, Guid Room)> SetUpAsync()
    {
        hub.Time.AdjustTime(Now);
        var site = await Workspace.SiteAsync(hub.Admin);
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, await Workspace.TierAsync(hub.Admin, Workspace.Terms()));
        return (member, await Workspace.ResourceAsync(hub.Admin, site, "hot_desk"), await Workspace.ResourceAsync(hub.Admin, site, "meeting_room"));
    }

    private async Task<JsonObject> BookAsync(Guid member, Guid resource, DateTimeOffset start, DateTimeOffset end)
    {
        using var response = await hub.Admin.PostAsJsonAsync("/api/v1/bookings", new { memberId = member, resourceId = resource, start, end });
        return await response.SuccessBodyAsync();
    }

    /// <summary>Parses the feed with Debian's python3-icalendar, an implementation independent of the hub's.</summary>
    private static async Task<IReadOnlyList<JsonObject>> ParseWithPythonAsync(string ics)
    {
        const string script =
            """
            import icalendar, json, sys
            cal = icalendar.Calendar.from_ical(sys.stdin.read())
            print(json.dumps([{"uid": str(e["UID"]), "status": str(e["STATUS"]), "summary": str(e["SUMMARY"]),
                               "start": e.decoded("DTSTART").isoformat(), "end": e.decoded("DTEND").isoformat()} for e in cal.walk("VEVENT")]))
            """;
        var start = new ProcessStartInfo("/usr/bin/python3", ["-c", script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var python = Process.Start(start)!;
        await python.StandardInput.WriteAsync(ics);
        python.StandardInput.Close();
        var output = await python.StandardOutput.ReadToEndAsync();
        var error = await python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync();
        Assert.True(python.ExitCode == 0, error);
        return JsonNode.Parse(output)!.AsArray().Select(e => e!.AsObject()).ToList();
    }
}
