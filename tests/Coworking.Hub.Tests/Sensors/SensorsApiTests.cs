using System.Net.Http.Json;
using Coworking.Hub.Access;
using Coworking.Hub.Database;
using Coworking.Hub.Tests.Support;
using Coworking.Proto.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Sensors;

public sealed class SensorsApiTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Fact]
    public async Task Sensor_watching_a_resource_is_listed_with_the_resources_area_and_reaches_the_change_log()
    {
        var site = await Workspace.SiteAsync(hub.Admin);
        var room = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room", "Boardroom");

        var created = await hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/sensors", new
        {
            name = "Boardroom presence", kind = "presence", adapter = "zigbee2mqtt", topic = "zigbee2mqtt/boardroom", resourceId = room,
        });

        var listed = Assert.Single((await hub.Admin.GetJsonAsync($"/api/v1/locations/{site.LocationId}/sensors")).Items());
        Assert.Equal(created.Id(), listed.Id());
        Assert.Equal(site.AreaId, listed["areaId"]!.GetValue<Guid>());
        Assert.Equal("zigbee2mqtt", listed["adapter"]!.GetValue<string>());
        Assert.Equal(300, listed["holdSeconds"]!.GetValue<int>());
        var change = (await ChangesAsync(site.LocationId)).Last(c => c.KindCase == Change.KindOneofCase.Sensor).Sensor;
        Assert.Equal(created.Id().ToString(), change.SensorId);
        Assert.Equal(room.ToString(), change.ResourceId);
        Assert.Equal(site.AreaId.ToString(), change.AreaId);
        Assert.Equal("presence", change.Kind);
        Assert.Equal("zigbee2mqtt/boardroom", change.Topic);
    }

    [Fact]
    public async Task Patch_changes_only_the_fields_given_and_the_edge_hears_the_new_topic()
    {
        var site = await Workspace.SiteAsync(hub.Admin);
        var sensor = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/sensors", new
        {
            name = "Hall PIR", kind = "pir", adapter = "coworking", areaId = site.AreaId, holdSeconds = 120,
        })).Id();

        using var patched = await hub.Admin.PatchAsJsonAsync($"/api/v1/locations/{site.LocationId}/sensors/{sensor}", new { topic = "building/hall/pir" });

        var body = await patched.SuccessBodyAsync();
        Assert.Equal("building/hall/pir", body["topic"]!.GetValue<string>());
        Assert.Equal(120, body["holdSeconds"]!.GetValue<int>());
        Assert.Equal("Hall PIR", body["name"]!.GetValue<string>());
        var change = (await ChangesAsync(site.LocationId)).Last(c => c.KindCase == Change.KindOneofCase.Sensor).Sensor;
        Assert.Equal("building/hall/pir", change.Topic);
        Assert.Equal(string.Empty, change.ResourceId);
        Assert.Equal(120, change.HoldS);
    }

    [Fact]
    public async Task Removed_sensor_is_gone_from_the_list_and_from_a_new_snapshot()
    {
        var site = await Workspace.SiteAsync(hub.Admin);
        var sensor = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/sensors", new
        {
            name = "Desk 4", kind = "desk", adapter = "coworking", resourceId = await Workspace.ResourceAsync(hub.Admin, site, "hot_desk"),
        })).Id();
        Assert.Contains(await SnapshotAsync(site.LocationId), c => c.KindCase == Change.KindOneofCase.Sensor);

        using var removed = await hub.Admin.DeleteAsync($"/api/v1/locations/{site.LocationId}/sensors/{sensor}");

        Assert.Equal(204, (int)removed.StatusCode);
        Assert.Empty((await hub.Admin.GetJsonAsync($"/api/v1/locations/{site.LocationId}/sensors")).Items());
        Assert.Contains(await ChangesAsync(site.LocationId), c => c.SensorRemoved?.SensorId == sensor.ToString());
        Assert.DoesNotContain(await SnapshotAsync(site.LocationId), c => c.KindCase is Change.KindOneofCase.Sensor or Change.KindOneofCase.SensorRemoved);
        using var read = await hub.Admin.GetAsync($"/api/v1/locations/{site.LocationId}/sensors/{sensor}");
        await read.ProblemAsync(404);
    }

    [Fact]
    public async Task Bad_fields_are_named_and_nothing_is_written()
    {
        var site = await Workspace.SiteAsync(hub.Admin);
        var before = await hub.CountAsync("sensors");

        using var noWatch = await hub.Admin.PostAsJsonAsync($"/api/v1/locations/{site.LocationId}/sensors", new { name = "S", kind = "pir", adapter = "coworking" });
        using var wildcard = await hub.Admin.PostAsJsonAsync(
            $"/api/v1/locations/{site.LocationId}/sensors", new { name = "S", kind = "pir", adapter = "zigbee2mqtt", topic = "zigbee2mqtt/#", areaId = site.AreaId });
        using var kind = await hub.Admin.PostAsJsonAsync(
            $"/api/v1/locations/{site.LocationId}/sensors", new { name = "S", kind = "thermometer", adapter = "coworking", areaId = site.AreaId });
        using var hold = await hub.Admin.PostAsJsonAsync(
            $"/api/v1/locations/{site.LocationId}/sensors", new { name = "S", kind = "pir", adapter = "coworking", areaId = site.AreaId, holdSeconds = 0 });
        using var noTopic = await hub.Admin.PostAsJsonAsync(
            $"/api/v1/locations/{site.LocationId}/sensors", new { name = "S", kind = "presence", adapter = "zigbee2mqtt", areaId = site.AreaId });

        Assert.Equal(["resourceId"], (await noWatch.ProblemAsync(400)).ErrorFields());
        Assert.Equal(["topic"], (await wildcard.ProblemAsync(400)).ErrorFields());
        Assert.Equal(["kind"], (await kind.ProblemAsync(400)).ErrorFields());
        Assert.Equal(["holdSeconds"], (await hold.ProblemAsync(400)).ErrorFields());
        Assert.Equal(["topic"], (await noTopic.ProblemAsync(422)).ErrorFields());
        Assert.Equal(before, await hub.CountAsync("sensors"));
    }

    [Fact]
    public async Task Resource_of_another_location_and_a_topic_taken_are_refused_naming_the_field()
    {
        var here = await Workspace.SiteAsync(hub.Admin);
        var there = await Workspace.SiteAsync(hub.Admin, name: "Elsewhere");
        var elsewhere = await Workspace.ResourceAsync(hub.Admin, there, "hot_desk");
        await hub.Admin.PostJsonAsync(
            $"/api/v1/locations/{here.LocationId}/sensors", new { name = "A", kind = "presence", adapter = "zigbee2mqtt", topic = "zigbee2mqtt/a", areaId = here.AreaId });

        using var foreign = await hub.Admin.PostAsJsonAsync(
            $"/api/v1/locations/{here.LocationId}/sensors", new { name = "B", kind = "desk", adapter = "coworking", resourceId = elsewhere });
        using var taken = await hub.Admin.PostAsJsonAsync(
            $"/api/v1/locations/{here.LocationId}/sensors", new { name = "C", kind = "presence", adapter = "zigbee2mqtt", topic = "zigbee2mqtt/a", areaId = here.AreaId });

        Assert.Equal(["resourceId"], (await foreign.ProblemAsync(422)).ErrorFields());
        Assert.Equal(["topic"], (await taken.ProblemAsync(409)).ErrorFields());
    }

    [Fact]
    public async Task Sensors_of_another_organisation_or_location_are_not_found()
    {
        var site = await Workspace.SiteAsync(hub.Admin);
        var sensor = (await hub.Admin.PostJsonAsync(
            $"/api/v1/locations/{site.LocationId}/sensors", new { name = "A", kind = "pir", adapter = "coworking", areaId = site.AreaId })).Id();
        var (_, stranger) = await hub.NewOrganisationAsync("Strangers");
        var manager = await hub.LocationManagerAsync(await hub.CreateLocationAsync("Mine"));

        foreach (var client in new[] { stranger, manager })
        {
            using var list = await client.GetAsync($"/api/v1/locations/{site.LocationId}/sensors");
            using var read = await client.GetAsync($"/api/v1/locations/{site.LocationId}/sensors/{sensor}");
            using var remove = await client.DeleteAsync($"/api/v1/locations/{site.LocationId}/sensors/{sensor}");
            await list.ProblemAsync(404);
            await read.ProblemAsync(404);
            await remove.ProblemAsync(404);
        }

        Assert.Single((await hub.Admin.GetJsonAsync($"/api/v1/locations/{site.LocationId}/sensors")).Items());
    }

    [Fact]
    public async Task Creating_a_sensor_is_in_the_audit_trail()
    {
        var site = await Workspace.SiteAsync(hub.Admin);
        var sensor = (await hub.Admin.PostJsonAsync(
            $"/api/v1/locations/{site.LocationId}/sensors", new { name = "Audited", kind = "co2", adapter = "coworking", areaId = site.AreaId })).Id();

        var events = (await hub.Admin.GetJsonAsync($"/api/v1/audit-events?objectId={sensor}")).Items();

        Assert.Contains(events, e => e["action"]!.GetValue<string>() == "POST /api/v1/locations/{id:guid}/sensors" && e["changes"]!["name"]!.GetValue<string>() == "Audited");
    }

    private async Task<IReadOnlyList<Change>> ChangesAsync(Guid locationId)
    {
        using var scope = TenantScope.System("test: reads a location's change log as its edge does");
        return await hub.Services.GetRequiredService<ChangeLogStore>().ReadAsync(locationId, 0, 10_000, CancellationToken.None);
    }

    private async Task<IReadOnlyList<Change>> SnapshotAsync(Guid locationId)
    {
        using var scope = TenantScope.System("test: reads a location's snapshot as its edge does");
        var changes = new List<Change>();
        await foreach (var part in hub.Services.GetRequiredService<ChangeLogStore>().ReadSnapshotAsync(locationId, 1000, CancellationToken.None))
        {
            changes.AddRange(part.Changes);
        }

        return changes;
    }
}
