using System.Net.Http.Json;
using Coworking.Hub.Tests.Support;

namespace Coworking.Hub.Tests.Bookings;

public sealed class ResourcesApiTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Fact]
    public async Task Resources_are_listed_by_kind_with_their_area_and_bookable_hours()
    {
        var site = await Workspace.SiteAsync(hub.Admin);
        var desk = await Workspace.ResourceAsync(hub.Admin, site, "hot_desk", "Desk 14");
        var room = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room", "Boardroom", bookableHours: Workspace.WeekdayHours);

        var rooms = (await hub.Admin.GetJsonAsync($"/api/v1/locations/{site.LocationId}/resources?kind=meeting_room")).Items();

        var only = Assert.Single(rooms);
        Assert.Equal(room, only.Id());
        Assert.Equal(site.AreaId, only["areaId"]!.GetValue<Guid>());
        Assert.Equal("08:00", only["bookableHours"]!["monday"]![0]!["open"]!.GetValue<string>());
        Assert.Null((await hub.Admin.GetJsonAsync($"/api/v1/resources/{desk}"))["bookableHours"]);
    }

    [Fact]
    public async Task Area_of_another_location_is_a_problem_naming_areaId_and_nothing_is_written()
    {
        var here = await Workspace.SiteAsync(hub.Admin);
        var there = await Workspace.SiteAsync(hub.Admin, name: "Elsewhere");
        var before = await hub.CountAsync("resources");

        using var response = await hub.Admin.PostAsJsonAsync(
            $"/api/v1/locations/{here.LocationId}/resources", new { areaId = there.AreaId, name = "Desk", kind = "hot_desk" });

        Assert.Equal(["areaId"], (await response.ProblemAsync(422)).ErrorFields());
        Assert.Equal(before, await hub.CountAsync("resources"));
    }

    [Fact]
    public async Task Unknown_kind_and_bad_capacity_are_named()
    {
        var site = await Workspace.SiteAsync(hub.Admin);

        using var response = await hub.Admin.PostAsJsonAsync(
            $"/api/v1/locations/{site.LocationId}/resources", new { areaId = site.AreaId, name = "Pod", kind = "phone_booth", capacity = 0 });
        using var kind = await hub.Admin.GetAsync($"/api/v1/locations/{site.LocationId}/resources?kind=sofa");

        Assert.Equal(["capacity"], (await response.ProblemAsync(400)).ErrorFields());
        Assert.Equal(["kind"], (await kind.ProblemAsync(400)).ErrorFields());
    }

    [Fact]
    public async Task Removed_resource_is_gone_from_the_list()
    {
        var site = await Workspace.SiteAsync(hub.Admin);
        var desk = await Workspace.ResourceAsync(hub.Admin, site, "hot_desk");

        using var removed = await hub.Admin.DeleteAsync($"/api/v1/resources/{desk}");

        Assert.Equal(204, (int)removed.StatusCode);
        Assert.Empty((await hub.Admin.GetJsonAsync($"/api/v1/locations/{site.LocationId}/resources")).Items());
        using var read = await hub.Admin.GetAsync($"/api/v1/resources/{desk}");
        await read.ProblemAsync(404);
    }

    [Fact]
    public async Task Location_manager_does_not_see_resources_of_other_locations()
    {
        var mine = await Workspace.SiteAsync(hub.Admin);
        var theirs = await Workspace.SiteAsync(hub.Admin, name: "Not mine");
        var desk = await Workspace.ResourceAsync(hub.Admin, theirs, "hot_desk");
        var manager = await hub.LocationManagerAsync(mine.LocationId);

        using var list = await manager.GetAsync($"/api/v1/locations/{theirs.LocationId}/resources");
        using var read = await manager.GetAsync($"/api/v1/resources/{desk}");

        await list.ProblemAsync(404);
        await read.ProblemAsync(404);
    }
}
