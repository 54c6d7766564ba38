using System.Net.Http.Json;
using Coworking.Hub.Access;
using Coworking.Hub.Tests.Support;
using Coworking.Proto.V1;
using Coworking.Testing.Sync;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Hub.Tests.Bookings;

/// <summary>Doors added to or removed from an area after bookings and visits were made there.</summary>
public sealed class AreaDoorChangeTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Door_added_to_an_area_later_opens_for_the_bookings_already_made_there_until_they_end()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member) = await SetUpAsync();
        var room = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room", "Boardroom");
        var upcoming = await BookAsync(member, room, Now.AddHours(2));
        var cancelled = await BookAsync(member, room, Now.AddHours(4));
        await hub.Admin.PostJsonAsync($"/api/v1/bookings/{cancelled}/cancel", new { });
        var ended = await BookAsync(member, room, Now.AddHours(1));
        hub.Time.AdjustTime(Now.AddHours(2).AddMinutes(30));

        var side = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/doors", new { areaId = site.AreaId, name = "Side door" })).Id();

        var log = await LogAsync(site.LocationId);
        Assert.Equal(new[] { site.DoorId, side }.Order(), LatestDoors(log, upcoming).Order());
        Assert.Equal(Now.AddHours(2).AddMinutes(-5), LatestGrant(log, upcoming).ValidFrom.ToDateTimeOffset());
        Assert.Equal([site.DoorId], LatestDoors(log, cancelled));
        Assert.Equal([site.DoorId], LatestDoors(log, ended));
    }

    [Fact]
    public async Task Door_removed_from_an_area_no_longer_opens_for_its_bookings()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member) = await SetUpAsync();
        var side = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/doors", new { areaId = site.AreaId, name = "Side door" })).Id();
        var room = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room", "Boardroom");
        var booking = await BookAsync(member, room, Now.AddHours(2));
        var before = LatestDoors(await LogAsync(site.LocationId), booking);

        using var removed = await hub.Admin.DeleteAsync(new Uri($"/api/v1/locations/{site.LocationId}/doors/{side}", UriKind.Relative));
        removed.EnsureSuccessStatusCode();

        Assert.Equal(new[] { site.DoorId, side }.Order(), before.Order());
        Assert.Equal([site.DoorId], LatestDoors(await LogAsync(site.LocationId), booking));
    }

    [Fact]
    public async Task Door_added_while_a_booking_is_being_made_there_opens_for_that_booking_too()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member) = await SetUpAsync();
        var room = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room", "Boardroom");

        // Another writer holds the location's change-log counter, so the booking stops just before it commits, after
        // it has read the area's doors; the side door is added meanwhile.
        await using var other = new NpgsqlConnection(hub.ConnectionString);
        await other.OpenAsync();
        await using var holding = await other.BeginTransactionAsync();
        await using (var counter = new NpgsqlCommand($"SELECT 1 FROM location_seq WHERE location_id = '{site.LocationId}' FOR UPDATE", other, holding))
        {
            await counter.ExecuteNonQueryAsync();
        }

        var booking = BookAsync(member, room, Now.AddHours(2));
        await Eventually.Async(async () => await hub.WaitingForLocksAsync() == 1, "the booking waiting to commit");
        var addDoor = hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/doors", new { areaId = site.AreaId, name = "Side door" });
        await Eventually.Async(async () => await hub.WaitingForLocksAsync() == 2, "the door being added waiting too");
        await holding.CommitAsync();
        var (booked, side) = (await booking, (await addDoor).Id());

        Assert.Equal(new[] { site.DoorId, side }.Order(), LatestDoors(await LogAsync(site.LocationId), booked).Order());
    }

    [Fact]
    public async Task Visitor_pass_covers_every_door_of_the_location_so_a_door_added_later_opens_for_it()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member) = await SetUpAsync();
        using var response = await hub.Admin.PostAsJsonAsync(
            $"/api/v1/members/{member}/visitors", new { name = "Charles Babbage", email = "charles@example.com", locationId = site.LocationId, start = Now.AddHours(1), end = Now.AddHours(3) });
        var visitor = (await response.SuccessBodyAsync()).Id();
        var otherArea = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/areas", new { name = "Roof terrace" })).Id();

        await hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/doors", new { areaId = otherArea, name = "Terrace door" });

        var grant = LatestGrant(await LogAsync(site.LocationId), visitor);
        Assert.True(grant.AllDoors);
        Assert.Empty(grant.DoorIds);
    }

    [Fact]
    public async Task Removed_area_takes_its_doors_off_the_edges_ends_its_bookings_passes_and_lifts_its_lockdowns()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member) = await SetUpAsync();
        var annex = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/areas", new { name = "Annex" })).Id();
        var annexDoor = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/doors", new { areaId = annex, name = "Annex door" })).Id();
        var annexRoom = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/resources", new { areaId = annex, name = "Annex room", kind = "meeting_room", capacity = 4 })).Id();
        var mainRoom = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room", "Boardroom");
        var inAnnex = await BookAsync(member, annexRoom, Now.AddHours(2));
        var inMain = await BookAsync(member, mainRoom, Now.AddHours(2));
        var lockdown = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/lockdowns", new { scope = "area", areaId = annex, reason = "Flooded" })).Id();

        using var removed = await hub.Admin.DeleteAsync($"/api/v1/locations/{site.LocationId}/areas/{annex}");

        Assert.Equal(204, (int)removed.StatusCode);
        var log = await LogAsync(site.LocationId);
        Assert.Contains(log, c => c.DoorRemoved?.DoorId == annexDoor.ToString());
        Assert.Contains(log, c => c.HolderRemoved?.HolderId == inAnnex.ToString());
        Assert.DoesNotContain(log, c => c.HolderRemoved?.HolderId == inMain.ToString());
        Assert.Empty(log.Last(c => c.DoorControl is not null).DoorControl.Lockdowns);
        Assert.False((await hub.Admin.GetJsonAsync($"/api/v1/locations/{site.LocationId}/lockdowns/{lockdown}"))["active"]!.GetValue<bool>());
        Assert.DoesNotContain(annex, (await hub.Admin.GetJsonAsync($"/api/v1/locations/{site.LocationId}/areas")).Items().Select(a => a.Id()));
        Assert.DoesNotContain(annexDoor, (await hub.Admin.GetJsonAsync($"/api/v1/locations/{site.LocationId}/doors")).Items().Select(d => d.Id()));
        using (var gone = await hub.Admin.GetAsync($"/api/v1/locations/{site.LocationId}/areas/{annex}"))
        {
            Assert.Equal(404, (int)gone.StatusCode);
        }

        using (var again = await hub.Admin.DeleteAsync($"/api/v1/locations/{site.LocationId}/areas/{annex}"))
        {
            Assert.Equal(404, (int)again.StatusCode);
        }

        using var doorThere = await hub.Admin.PostAsJsonAsync($"/api/v1/locations/{site.LocationId}/doors", new { areaId = annex, name = "Late door" });
        Assert.Equal(["areaId"], (await doorThere.ProblemAsync(422)).ErrorFields());
    }

    private async Task<(Site Site, Guid Member)> SetUpAsync()
    {
        hub.Time.AdjustTime(Now);
        var site = await Workspace.SiteAsync(hub.Admin);
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, await Workspace.TierAsync(hub.Admin, Workspace.Terms()));
        return (site, member);
    }

    private async Task<Guid> BookAsync(Guid member, Guid resource, DateTimeOffset start) =>
        (await hub.Admin.PostJsonAsync("/api/v1/bookings", new { memberId = member, resourceId = resource, start, end = start.AddHours(1) })).Id();

    private static GrantUpsert LatestGrant(IReadOnlyList<Change> log, Guid passId) => log.Last(c => c.Grant?.GrantId == passId.ToString()).Grant;

    private static Guid[] LatestDoors(IReadOnlyList<Change> log, Guid passId) => [.. LatestGrant(log, passId).DoorIds.Select(Guid.Parse)];

    private Task<IReadOnlyList<Change>> LogAsync(Guid location) =>
        hub.Services.GetRequiredService<ChangeLogStore>().ReadAsync(location, 0, 5000, default);
}
