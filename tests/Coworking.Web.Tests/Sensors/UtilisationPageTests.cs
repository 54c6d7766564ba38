using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using Npgsql;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Sensors;

/// <summary>The console's utilisation page: occupancy now per area, the hour × weekday heatmap drawn by ECharts, no-shows and ghost use.</summary>
[Collection(WebCollection.Name)]
public sealed class UtilisationPageTests(WebHub web)
{
    [Fact]
    public async Task Manager_sees_the_room_occupied_now_and_its_monday_morning_in_the_heatmap()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var location = await web.NewLocationAsync($"Sensed {tag}");
        var (area, _) = await web.NewDoorAsync(location, $"Floor {tag}", $"Door {tag}");
        var room = (await web.PostAsync($"/api/v1/locations/{location}/resources", new { areaId = area, name = $"Room {tag}", kind = "meeting_room", capacity = 6 }))
            .GetProperty("id").GetGuid();
        await web.PostAsync($"/api/v1/locations/{location}/sensors", new { name = $"presence {tag}", kind = "presence", adapter = "zigbee2mqtt", topic = $"zigbee2mqtt/room-{tag}", resourceId = room });
        var monday = StartOfWeek(DateTimeOffset.UtcNow).AddHours(9);
        await RolledUpAsync(location, room, monday, occupiedSeconds: 3600);
        await SampleAsync(location, room);
        const string password = "manager-utilisation-1";
        var manager = await web.NewOperatorAsync("location_manager", password, location);

        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page, manager, password);
        await page.GetByRole(AriaRole.Link, new() { Name = "Utilisation", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Utilisation", Exact = true })).ToBeVisibleAsync();

        var now = page.GetByRole(AriaRole.Table, new() { Name = "Occupancy now per area" });
        await Expect(now.GetByRole(AriaRole.Row).Filter(new() { HasText = $"Floor {tag}" })).ToContainTextAsync("1 of 1");
        var heatmap = page.GetByRole(AriaRole.Table, new() { Name = "Occupied share by hour of day and weekday (booked share in brackets)" });
        await Expect(heatmap.GetByRole(AriaRole.Row).Filter(new() { HasText = "09:00" })).ToContainTextAsync("25 % (0 %)");
        await Expect(page.Locator(".utilisation-heatmap canvas").First).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Heatmap as CSV" })).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex($"/api/v1/locations/{location}/utilisation/heatmap.csv"));
        await page.AssertAccessibleAsync();
    }

    private static DateTimeOffset StartOfWeek(DateTimeOffset now)
    {
        var day = now.UtcDateTime.Date;
        return new DateTimeOffset(day.AddDays(-(((int)day.DayOfWeek + 6) % 7)), TimeSpan.Zero);
    }

    /// <summary>What the rollup leaves for an hour of Monday (Lisbon is on UTC in winter and an hour ahead in summer: the quarters are put in its 09:00).</summary>
    private async Task RolledUpAsync(Guid location, Guid room, DateTimeOffset mondayNineUtc, int occupiedSeconds)
    {
        var lisbon = TimeZoneInfo.FindSystemTimeZoneById("Europe/Lisbon");
        var start = mondayNineUtc - lisbon.GetUtcOffset(mondayNineUtc);
        await using var conn = new NpgsqlConnection(web.ConnectionString);
        await conn.OpenAsync();
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO utilisation_quarters (organisation_id, location_id, resource_id, quarter, occupied_s, booked_s)
            SELECT @organisationId, @locationId, @room, @start + q * interval '15 minutes', @occupied, 0 FROM generate_series(0, 3) AS q
            """,
            conn);
        insert.Parameters.AddWithValue("organisationId", web.OrganisationId);
        insert.Parameters.AddWithValue("locationId", location);
        insert.Parameters.AddWithValue("room", room);
        insert.Parameters.AddWithValue("start", start);
        insert.Parameters.AddWithValue("occupied", occupiedSeconds / 4);
        await insert.ExecuteNonQueryAsync();
    }

    /// <summary>The room's newest sample, as an edge's upload leaves it: occupied a minute ago.</summary>
    private async Task SampleAsync(Guid location, Guid room)
    {
        await using var conn = new NpgsqlConnection(web.ConnectionString);
        await conn.OpenAsync();
        await using var insert = new NpgsqlCommand(
            """
            SELECT sensor_samples_partition(now());
            INSERT INTO sensor_samples (organisation_id, location_id, edge_id, event_id, resource_id, occupied, occurred_at, received_at)
            VALUES (@organisationId, @locationId, 'web-test-edge', gen_random_uuid()::text, @room, true, now() - interval '1 minute', now())
            """,
            conn);
        insert.Parameters.AddWithValue("organisationId", web.OrganisationId);
        insert.Parameters.AddWithValue("locationId", location);
        insert.Parameters.AddWithValue("room", room);
        await insert.ExecuteNonQueryAsync();
    }
}
