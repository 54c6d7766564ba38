using Coworking.Hub.Sensors;
using Coworking.Hub.Tests.Support;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Hub.Tests.Sensors;

public sealed class UtilisationTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    // A Monday in winter: London is on UTC.
    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Booked_and_occupied_minutes_per_resource_show_a_room_used_less_than_booked_and_a_desk_used_unbooked()
    {
        var (site, room, desk) = await BookedRoomAndFreeDeskAsync();
        var edge = Guid.NewGuid();
        hub.Time.AdjustTime(Monday.AddHours(15));
        await OccupancyReports.StoreAsync(
            hub.Services, edge, hub.OrganisationId, site.LocationId,
            OccupancyReports.Change(room, site.AreaId, occupied: true, Monday.AddHours(10).AddMinutes(15)),
            OccupancyReports.Change(room, site.AreaId, occupied: false, Monday.AddHours(11).AddMinutes(45)),
            OccupancyReports.Change(desk, site.AreaId, occupied: true, Monday.AddHours(14)),
            OccupancyReports.Change(desk, site.AreaId, occupied: false, Monday.AddHours(14).AddMinutes(30)));

        await RollUpAsync();

        var byResource = await UtilisationAsync(site, "resource");
        var roomRow = byResource.Single(i => i["resourceId"]!.GetValue<Guid>() == room);
        Assert.Equal(120, roomRow["bookedMinutes"]!.GetValue<double>());
        Assert.Equal(90, roomRow["occupiedMinutes"]!.GetValue<double>());
        Assert.Equal(0.75, roomRow["occupiedPerBooked"]!.GetValue<double>());
        var deskRow = byResource.Single(i => i["resourceId"]!.GetValue<Guid>() == desk);
        Assert.Equal(0, deskRow["bookedMinutes"]!.GetValue<double>());
        Assert.Equal(30, deskRow["occupiedMinutes"]!.GetValue<double>());
        Assert.Null(deskRow["occupiedPerBooked"]);
        var whole = Assert.Single(await UtilisationAsync(site, "location"));
        Assert.Equal(120, whole["bookedMinutes"]!.GetValue<double>());
        Assert.Equal(120, whole["occupiedMinutes"]!.GetValue<double>());
        Assert.Equal(2, whole["resources"]!.GetValue<int>());
        var byKind = await UtilisationAsync(site, "kind");
        Assert.Equal(["hot_desk", "meeting_room"], byKind.Select(i => i["kind"]!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task Samples_arriving_late_after_an_outage_are_counted_into_the_hours_already_rolled_up_and_a_second_round_changes_nothing()
    {
        var (site, room, _) = await BookedRoomAndFreeDeskAsync();
        var edge = Guid.NewGuid();
        hub.Time.AdjustTime(Monday.AddHours(16));
        await OccupancyReports.StoreAsync(
            hub.Services, edge, hub.OrganisationId, site.LocationId,
            OccupancyReports.Change(room, site.AreaId, occupied: true, Monday.AddHours(10)),
            OccupancyReports.Change(room, site.AreaId, occupied: false, Monday.AddHours(10).AddMinutes(30)));
        await RollUpAsync();
        Assert.Equal(30, (await RoomAsync(site, room))["occupiedMinutes"]!.GetValue<double>());

        hub.Time.AdjustTime(Monday.AddHours(17));
        await OccupancyReports.StoreAsync(
            hub.Services, edge, hub.OrganisationId, site.LocationId,
            OccupancyReports.Change(room, site.AreaId, occupied: true, Monday.AddHours(11)),
            OccupancyReports.Change(room, site.AreaId, occupied: false, Monday.AddHours(11).AddMinutes(20)));
        await RollUpAsync();
        var after = await RoomAsync(site, room);
        await RollUpAsync();

        Assert.Equal(50, after["occupiedMinutes"]!.GetValue<double>());
        Assert.Equal(after.ToJsonString(), (await RoomAsync(site, room)).ToJsonString());
    }

    [Fact]
    public async Task Rollup_counts_quarters_of_an_hour_with_co2_from_the_edges_aggregates_stored_once()
    {
        var (site, room, _) = await BookedRoomAndFreeDeskAsync();
        var edge = Guid.NewGuid();
        hub.Time.AdjustTime(Monday.AddHours(13));
        var window = OccupancyReports.Window(room, site.AreaId, Monday.AddHours(10).AddMinutes(20), 240, co2Mean: 800, co2Max: 950);
        await OccupancyReports.StoreAsync(
            hub.Services, edge, hub.OrganisationId, site.LocationId,
            OccupancyReports.Change(room, site.AreaId, occupied: true, Monday.AddHours(10).AddMinutes(10)),
            OccupancyReports.Change(room, site.AreaId, occupied: false, Monday.AddHours(10).AddMinutes(40)),
            window,
            OccupancyReports.Window(room, site.AreaId, Monday.AddHours(10).AddMinutes(25), 300, co2Mean: 1000, co2Max: 1100));
        var again = await OccupancyReports.StoreAsync(hub.Services, edge, hub.OrganisationId, site.LocationId, window);
        Assert.Equal([window.EventId], again.Stored);

        await RollUpAsync();

        await using var conn = new NpgsqlConnection(hub.ConnectionString);
        var quarters = (await conn.QueryAsync<(DateTime Quarter, int OccupiedS, int BookedS, double? Co2Mean, double? Co2Max)>(
            "SELECT quarter, occupied_s, booked_s, co2_mean_ppm, co2_max_ppm FROM utilisation_quarters WHERE resource_id = @room AND quarter < @noon ORDER BY quarter",
            new { room, noon = Monday.AddHours(12) })).ToList();
        Assert.Equal(
            [(Monday.AddHours(10).UtcDateTime, 300, 900), (Monday.AddHours(10.25).UtcDateTime, 900, 900), (Monday.AddHours(10.5).UtcDateTime, 600, 900), (Monday.AddHours(10.75).UtcDateTime, 0, 900)],
            quarters.Take(4).Select(q => (q.Quarter, q.OccupiedS, q.BookedS)));
        Assert.Equal((900.0, 1100.0), (quarters[1].Co2Mean!.Value, quarters[1].Co2Max!.Value));
        Assert.Null(quarters[0].Co2Mean);
        Assert.Equal(30, (await RoomAsync(site, room))["occupiedMinutes"]!.GetValue<double>());
    }

    [Fact]
    public async Task Missing_or_reversed_dates_and_an_unknown_grouping_are_named()
    {
        var site = await Workspace.SiteAsync(hub.Admin, name: $"Site {Guid.NewGuid():N}"[..12]);

        using var missing = await hub.Admin.GetAsync($"/api/v1/locations/{site.LocationId}/utilisation?to=2026-03-02");
        using var reversed = await hub.Admin.GetAsync($"/api/v1/locations/{site.LocationId}/utilisation?from=2026-03-02&to=2026-03-01");
        using var grouping = await hub.Admin.GetAsync($"/api/v1/locations/{site.LocationId}/utilisation?from=2026-03-02&to=2026-03-02&by=floor");

        Assert.Equal(["from"], (await missing.ProblemAsync(400)).ErrorFields());
        Assert.Equal(["to"], (await reversed.ProblemAsync(400)).ErrorFields());
        Assert.Equal(["by"], (await grouping.ProblemAsync(400)).ErrorFields());
    }

    /// <summary>A room a member booked from 10:00 to 12:00 on <see cref="Monday"/>, and a desk nobody booked.</summary>
    private async Task<(Site Site, Guid Room, Guid Desk)> BookedRoomAndFreeDeskAsync()
    {
        hub.Time.AdjustTime(Monday.AddHours(7));
        var site = await Workspace.SiteAsync(hub.Admin, name: $"Site {Guid.NewGuid():N}"[..12]);
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, await Workspace.TierAsync(hub.Admin, Workspace.Terms()));
        var room = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room");
        var desk = await Workspace.ResourceAsync(hub.Admin, site, "hot_desk");
        await hub.Admin.PostJsonAsync("/api/v1/bookings", new { memberId = member, resourceId = room, start = Monday.AddHours(10), end = Monday.AddHours(12) });
        return (site, room, desk);
    }

    private Task<long> RollUpAsync() => hub.Services.GetRequiredService<UtilisationRollup>().RollUpAsync(CancellationToken.None);

    private async Task<System.Text.Json.Nodes.JsonObject> RoomAsync(Site site, Guid room) =>
        (await UtilisationAsync(site, "resource")).Single(i => i["resourceId"]!.GetValue<Guid>() == room);

    private async Task<IReadOnlyList<System.Text.Json.Nodes.JsonObject>> UtilisationAsync(Site site, string by) =>
        (await hub.Admin.GetJsonAsync($"/api/v1/locations/{site.LocationId}/utilisation?from=2026-03-02&to=2026-03-02&by={by}"))["items"]!.AsArray()
            .Select(i => i!.AsObject()).ToList();
}
