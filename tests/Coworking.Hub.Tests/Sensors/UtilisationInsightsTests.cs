using System.Net.Http.Json;
using Coworking.Hub.Sensors;
using Coworking.Hub.Tests.Support;
using Coworking.Proto.V1;
using Google.Protobuf.WellKnownTypes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Hub.Tests.Sensors;

/// <summary>Heatmap, tiers, no-shows, ghost use, occupancy now, CSV and the no-show release policy.</summary>
public sealed class UtilisationInsightsTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    // A Monday in winter: London is on UTC.
    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Heatmap_tiers_no_shows_and_ghost_use_show_a_room_booked_twice_used_once_and_a_desk_used_unbooked()
    {
        var room = await SensedRoomAsync();
        var desk = await Workspace.ResourceAsync(hub.Admin, room.Site, "hot_desk");
        await SensorAsync(room.Site, desk, "desk-" + Guid.NewGuid().ToString("N")[..8]);
        var used = await BookAsync(room, Monday.AddHours(10), Monday.AddHours(11));
        var noShow = await BookAsync(room, Monday.AddHours(14), Monday.AddHours(15));
        hub.Time.AdjustTime(Monday.AddHours(16));
        await OccupancyReports.StoreAsync(
            hub.Services, Guid.NewGuid(), hub.OrganisationId, room.Site.LocationId,
            OccupancyReports.Change(room.Id, room.Site.AreaId, occupied: true, Monday.AddHours(10).AddMinutes(5)),
            OccupancyReports.Change(room.Id, room.Site.AreaId, occupied: false, Monday.AddHours(10).AddMinutes(50)),
            OccupancyReports.Change(desk, room.Site.AreaId, occupied: true, Monday.AddHours(12)),
            OccupancyReports.Change(desk, room.Site.AreaId, occupied: false, Monday.AddHours(12).AddMinutes(40)));
        await hub.Services.GetRequiredService<UtilisationRollup>().RollUpAsync(CancellationToken.None);
        var range = $"from=2026-03-02&to=2026-03-08";

        var heatmap = await hub.Admin.GetJsonAsync($"/api/v1/locations/{room.Site.LocationId}/utilisation/heatmap?{range}&kind=meeting_room");
        var cells = heatmap["cells"]!.AsArray().Select(c => c!.AsObject()).ToList();
        Assert.Equal(7 * 24, cells.Count);
        var ten = cells.Single(c => c["weekday"]!.GetValue<int>() == 1 && c["hour"]!.GetValue<int>() == 10);
        Assert.Equal((60.0, 45.0, 0.75), (ten["bookedMinutes"]!.GetValue<double>(), ten["occupiedMinutes"]!.GetValue<double>(), ten["occupiedShare"]!.GetValue<double>()));
        var two = cells.Single(c => c["weekday"]!.GetValue<int>() == 1 && c["hour"]!.GetValue<int>() == 14);
        Assert.Equal((60.0, 0.0), (two["bookedMinutes"]!.GetValue<double>(), two["occupiedMinutes"]!.GetValue<double>()));
        Assert.Equal(0, cells.Where(c => c["weekday"]!.GetValue<int>() != 1).Sum(c => c["bookedMinutes"]!.GetValue<double>()));

        var tiers = await hub.Admin.GetJsonAsync($"/api/v1/locations/{room.Site.LocationId}/utilisation/tiers?{range}");
        var tier = tiers["items"]!.AsArray().Single()!.AsObject();
        Assert.Equal((room.TierId, 2, 120.0, 45.0, 1), (tier["tierId"]!.GetValue<Guid>(), tier["bookings"]!.GetValue<int>(), tier["bookedMinutes"]!.GetValue<double>(),
            tier["occupiedMinutes"]!.GetValue<double>(), tier["noShows"]!.GetValue<int>()));

        var exceptions = await hub.Admin.GetJsonAsync($"/api/v1/locations/{room.Site.LocationId}/utilisation/exceptions?{range}");
        var missed = exceptions["noShows"]!.AsArray().Single()!.AsObject();
        Assert.Equal((noShow, room.MemberId, false), (missed["bookingId"]!.GetValue<Guid>(), missed["memberId"]!.GetValue<Guid>(), missed["released"]!.GetValue<bool>()));
        Assert.NotEqual(used, noShow);
        var ghost = exceptions["ghostUse"]!.AsArray().Single()!.AsObject();
        Assert.Equal((desk, Monday.AddHours(12), Monday.AddHours(12).AddMinutes(45), 40.0),
            (ghost["resourceId"]!.GetValue<Guid>(), ghost["from"]!.GetValue<DateTimeOffset>(), ghost["to"]!.GetValue<DateTimeOffset>(), ghost["occupiedMinutes"]!.GetValue<double>()));

        var csv = await hub.Admin.GetStringAsync($"/api/v1/locations/{room.Site.LocationId}/utilisation/exceptions.csv?{range}");
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("what,resource_id,resource,kind,from,to,booking_id,member_id", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("no_show,", StringComparison.Ordinal) && l.Contains(noShow.ToString(), StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ghost_use,", StringComparison.Ordinal) && l.Contains(desk.ToString(), StringComparison.Ordinal));
        var byKind = await hub.Admin.GetStringAsync($"/api/v1/locations/{room.Site.LocationId}/utilisation.csv?{range}&by=kind");
        Assert.Contains("meeting_room,meeting_room,1,120,45,0.375", byKind, StringComparison.Ordinal);
        var heatmapCsv = await hub.Admin.GetStringAsync($"/api/v1/locations/{room.Site.LocationId}/utilisation/heatmap.csv?{range}");
        Assert.Equal(1 + (7 * 24), heatmapCsv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Ghost_use_names_the_member_whose_badge_opened_the_areas_door_shortly_before_the_presence_and_nobody_when_none_did()
    {
        var room = await SensedRoomAsync();
        var desk = await Workspace.ResourceAsync(hub.Admin, room.Site, "hot_desk");
        await SensorAsync(room.Site, desk, "desk-" + Guid.NewGuid().ToString("N")[..8]);
        var stranger = await Workspace.MemberAsync(hub.Admin, room.Site.LocationId, room.TierId);
        hub.Time.AdjustTime(Monday.AddHours(21));
        var edge = Guid.NewGuid();
        await OccupancyReports.StoreAsync(
            hub.Services, edge, hub.OrganisationId, room.Site.LocationId,
            Opened(room.Site.DoorId, stranger, Monday.AddHours(11).AddMinutes(40), granted: true),
            Opened(room.Site.DoorId, room.MemberId, Monday.AddHours(11).AddMinutes(56), granted: true),
            Opened(room.Site.DoorId, stranger, Monday.AddHours(11).AddMinutes(59), granted: false),
            OccupancyReports.Change(desk, room.Site.AreaId, occupied: true, Monday.AddHours(12).AddMinutes(2)),
            OccupancyReports.Change(desk, room.Site.AreaId, occupied: false, Monday.AddHours(12).AddMinutes(40)),
            Opened(room.Site.DoorId, room.MemberId, Monday.AddHours(18).AddMinutes(50), granted: true),
            Opened(room.Site.DoorId, stranger, Monday.AddHours(19).AddMinutes(20), granted: true),
            OccupancyReports.Change(desk, room.Site.AreaId, occupied: true, Monday.AddHours(19).AddMinutes(5)),
            OccupancyReports.Change(desk, room.Site.AreaId, occupied: false, Monday.AddHours(19).AddMinutes(40)));
        await hub.Services.GetRequiredService<UtilisationRollup>().RollUpAsync(CancellationToken.None);

        var exceptions = await hub.Admin.GetJsonAsync($"/api/v1/locations/{room.Site.LocationId}/utilisation/exceptions?from=2026-03-02&to=2026-03-02");
        var ghosts = exceptions["ghostUse"]!.AsArray().Select(g => g!.AsObject()).Where(g => g["resourceId"]!.GetValue<Guid>() == desk).ToList();

        Assert.Equal(2, ghosts.Count);
        Assert.Equal((Monday.AddHours(12).AddMinutes(2), room.MemberId, Monday.AddHours(11).AddMinutes(56)),
            (ghosts[0]["presenceFrom"]!.GetValue<DateTimeOffset>(), ghosts[0]["memberId"]!.GetValue<Guid>(), ghosts[0]["doorOpenedAt"]!.GetValue<DateTimeOffset>()));
        Assert.False(string.IsNullOrEmpty(ghosts[0]["memberEmail"]!.GetValue<string>()));
        Assert.Equal(Monday.AddHours(19).AddMinutes(5), ghosts[1]["presenceFrom"]!.GetValue<DateTimeOffset>());
        Assert.Null(ghosts[1]["memberId"]);
        var csv = await hub.Admin.GetStringAsync($"/api/v1/locations/{room.Site.LocationId}/utilisation/exceptions.csv?from=2026-03-02&to=2026-03-02");
        Assert.Contains(csv.Split('\n'), l => l.StartsWith("ghost_use,", StringComparison.Ordinal) && l.Contains(room.MemberId.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Occupancy_now_per_area_counts_the_sensed_resources_occupied_by_their_newest_sample()
    {
        var room = await SensedRoomAsync();
        var booth = await Workspace.ResourceAsync(hub.Admin, room.Site, "phone_booth");
        await SensorAsync(room.Site, booth, "booth-" + Guid.NewGuid().ToString("N")[..8]);
        await Workspace.ResourceAsync(hub.Admin, room.Site, "hot_desk");
        hub.Time.AdjustTime(Monday.AddHours(9));
        await OccupancyReports.StoreAsync(
            hub.Services, Guid.NewGuid(), hub.OrganisationId, room.Site.LocationId,
            OccupancyReports.Change(room.Id, room.Site.AreaId, occupied: true, Monday.AddHours(8).AddMinutes(30), count: 3),
            OccupancyReports.Change(booth, room.Site.AreaId, occupied: true, Monday.AddHours(8)),
            OccupancyReports.Change(booth, room.Site.AreaId, occupied: false, Monday.AddHours(8).AddMinutes(20)));

        var now = await hub.Admin.GetJsonAsync($"/api/v1/locations/{room.Site.LocationId}/occupancy");
        var area = now["areas"]!.AsArray().Single(a => a!["areaId"]!.GetValue<Guid>() == room.Site.AreaId)!.AsObject();

        Assert.Equal((2, 1, 3), (area["sensedResources"]!.GetValue<int>(), area["occupiedResources"]!.GetValue<int>(), area["people"]!.GetValue<int>()));
    }

    [Fact]
    public async Task With_the_policy_on_a_booking_without_presence_is_released_its_pin_revoked_and_the_member_mailed_and_one_with_presence_is_kept()
    {
        var room = await SensedRoomAsync();
        var other = await SensedRoomAsync();
        var policy = await hub.Admin.GetJsonAsync($"/api/v1/locations/{room.Site.LocationId}/no-show-policy");
        Assert.False(policy["enabled"]!.GetValue<bool>());
        var empty = await BookAsync(room, Monday.AddHours(10), Monday.AddHours(12));
        var attended = await BookAsync(other, Monday.AddHours(10), Monday.AddHours(12));
        var edge = Guid.NewGuid();
        hub.Time.AdjustTime(Monday.AddHours(10).AddMinutes(20));
        await OccupancyReports.StoreAsync(
            hub.Services, edge, hub.OrganisationId, room.Site.LocationId,
            OccupancyReports.Window(room.Id, room.Site.AreaId, Monday.AddHours(10).AddMinutes(10), 0, 0, 0));
        await OccupancyReports.StoreAsync(
            hub.Services, Guid.NewGuid(), hub.OrganisationId, other.Site.LocationId,
            OccupancyReports.Change(other.Id, other.Site.AreaId, occupied: true, Monday.AddHours(10).AddMinutes(4)),
            OccupancyReports.Window(other.Id, other.Site.AreaId, Monday.AddHours(10).AddMinutes(10), 300, 0, 0));
        var releaser = hub.Services.GetRequiredService<NoShowReleaser>();
        Assert.Empty(await releaser.ReleaseAsync(CancellationToken.None));

        using var bad = await hub.Admin.PutAsJsonAsync($"/api/v1/locations/{room.Site.LocationId}/no-show-policy", new { enabled = true, minutes = 1 });
        Assert.Equal(["minutes"], (await bad.ProblemAsync(400)).ErrorFields());
        foreach (var site in new[] { room.Site, other.Site })
        {
            using var on = await hub.Admin.PutAsJsonAsync($"/api/v1/locations/{site.LocationId}/no-show-policy", new { enabled = true, minutes = 15 });
            on.EnsureSuccessStatusCode();
        }

        var released = await releaser.ReleaseAsync(CancellationToken.None);

        Assert.Equal([empty], released);
        Assert.Empty(await releaser.ReleaseAsync(CancellationToken.None));
        await using var conn = new NpgsqlConnection(hub.ConnectionString);
        Assert.NotNull(await conn.ExecuteScalarAsync<DateTime?>("SELECT cancelled_at FROM bookings WHERE id = @empty", new { empty }));
        Assert.Null(await conn.ExecuteScalarAsync<DateTime?>("SELECT cancelled_at FROM bookings WHERE id = @attended", new { attended }));
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM credentials WHERE pass_holder_id = @empty AND revoked_at IS NULL", new { empty }));
        Assert.True(await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM credentials WHERE pass_holder_id = @empty", new { empty }) > 0);
        Assert.Equal(1, await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM mail_outbox WHERE kind = 'no_show_released' AND about = @about", new { about = $"no-show release of booking {empty}" }));
        var exceptions = await hub.Admin.GetJsonAsync($"/api/v1/locations/{room.Site.LocationId}/utilisation/exceptions?from=2026-03-02&to=2026-03-02");
        Assert.True(exceptions["noShows"]!.AsArray().Single(n => n!["bookingId"]!.GetValue<Guid>() == empty)!["released"]!.GetValue<bool>());
    }

    private sealed record Room(Site Site, Guid Id, Guid MemberId, Guid TierId);

    /// <summary>A member's badge at a door, as the edge reports the decision.</summary>
    private static ReportedEvent Opened(Guid doorId, Guid memberId, DateTimeOffset at, bool granted) => new()
    {
        EventId = Guid.CreateVersion7().ToString(),
        Kind = ReportedEventKind.AccessDecision,
        OccurredAt = Timestamp.FromDateTimeOffset(at),
        DoorId = doorId.ToString(),
        HolderId = memberId.ToString(),
        Reason = granted ? "granted" : "no_grant",
    };

    /// <summary>A meeting room watched by a presence sensor since Monday 07:00, and a member of a tier to book it.</summary>
    private async Task<Room> SensedRoomAsync()
    {
        hub.Time.AdjustTime(Monday.AddHours(7));
        var site = await Workspace.SiteAsync(hub.Admin, name: $"Site {Guid.NewGuid():N}"[..12]);
        var tier = await Workspace.TierAsync(hub.Admin, Workspace.Terms());
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, tier);
        var room = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room");
        await SensorAsync(site, room, "room-" + Guid.NewGuid().ToString("N")[..8]);
        return new Room(site, room, member, tier);
    }

    private Task SensorAsync(Site site, Guid resource, string name) =>
        hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/sensors", new { name, kind = "presence", adapter = "zigbee2mqtt", topic = "zigbee2mqtt/" + name, resourceId = resource });

    private async Task<Guid> BookAsync(Room room, DateTimeOffset start, DateTimeOffset end) =>
        (await hub.Admin.PostJsonAsync("/api/v1/bookings", new { memberId = room.MemberId, resourceId = room.Id, start, end })).Id();
}
