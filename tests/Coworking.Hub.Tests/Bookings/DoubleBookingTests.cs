using System.Net.Http.Json;
using Coworking.Hub.Tests.Support;
using Npgsql;

namespace Coworking.Hub.Tests.Bookings;

/// <summary>The database refuses double booking by itself (the bookings_no_overlap exclusion constraint).</summary>
public sealed class DoubleBookingTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    [Fact]
    public async Task Five_hundred_concurrent_requests_for_one_slot_give_one_201_and_499_409_and_one_row()
    {
        const int requests = 500;
        hub.Time.AdjustTime(new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero));
        var site = await Workspace.SiteAsync(hub.Admin);
        var tier = await Workspace.TierAsync(hub.Admin, Workspace.Terms());
        var room = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room");
        var members = new Guid[requests];
        await Parallel.ForAsync(0, requests, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            members[i] = await Workspace.MemberAsync(hub.Admin, site.LocationId, tier));
        var start = new DateTimeOffset(2026, 3, 3, 10, 0, 0, TimeSpan.Zero);
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var answers = members.Select(async member =>
        {
            await go.Task;
            using var response = await hub.Admin.PostAsJsonAsync("/api/v1/bookings", new { memberId = member, resourceId = room, start, end = start.AddHours(1) });
            return (int)response.StatusCode;
        }).ToList();
        go.SetResult();
        var statuses = await Task.WhenAll(answers);

        Assert.Equal(1, statuses.Count(s => s == 201));
        Assert.Equal(requests - 1, statuses.Count(s => s == 409));
        await using var conn = new NpgsqlConnection(hub.ConnectionString);
        await conn.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM bookings WHERE resource_id = @room", conn);
        count.Parameters.AddWithValue("room", room);
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Database_refuses_an_overlapping_row_written_past_the_api()
    {
        hub.Time.AdjustTime(new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero));
        var site = await Workspace.SiteAsync(hub.Admin);
        var room = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room");
        var start = new DateTimeOffset(2026, 3, 4, 10, 0, 0, TimeSpan.Zero);
        var block = await hub.Admin.PostJsonAsync($"/api/v1/resources/{room}/blocks", new { start, end = start.AddHours(2), note = "new carpet" });
        await using var conn = new NpgsqlConnection(hub.ConnectionString);
        await conn.OpenAsync();
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO bookings (id, organisation_id, location_id, resource_id, resource_kind, kind, starts_at, ends_at, booked_by_kind, booked_by, on_behalf, created_at, updated_at)
            SELECT gen_random_uuid(), organisation_id, location_id, resource_id, resource_kind, 'maintenance', starts_at + interval '1 hour', ends_at, booked_by_kind, booked_by, false, now(), now()
            FROM bookings WHERE id = @id
            """,
            conn);
        insert.Parameters.AddWithValue("id", block.Id());

        var refused = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());

        Assert.Equal("bookings_no_overlap", refused.ConstraintName);
    }
}
