using System.Globalization;
using System.Text.Json;
using Coworking.EndToEnd.Tests.Sync;
using Coworking.Testing.Sync;

namespace Coworking.EndToEnd.Tests.Sensors;

/// <summary>
/// The building's own broker (mosquitto, passwords on) with the edge as one of its clients (Edge:Sensors:Mode
/// "external"), and the demo's line from docs/SENSORS.md: <c>mosquitto_pub</c> publishing a Zigbee2MQTT presence to
/// the demo sensor topic.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class BuildingBrokerToHubTests
{
    /// <summary>The topic ./run.sh configures for the demo room's presence sensor (DEMO_SENSOR_TOPIC).</summary>
    private const string DemoSensorTopic = "zigbee2mqtt/boardroom-presence";

    [Fact]
    public async Task Presence_published_with_mosquitto_pub_through_the_buildings_mosquitto_is_occupancy_at_the_hub()
    {
        await using var mosquitto = await Mosquitto.StartAsync(new Dictionary<string, string> { ["edge"] = "edge-s3cret", ["demo-gateway"] = "gw-s3cret" });
        await using var site = await SyncSite.StartAsync(
            hubSettings: ["--Sensors:RollupInterval=00:00:01"],
            reader: false,
            edgeSettings: new Dictionary<string, string>
            {
                ["Edge__Sensors__Mode"] = "external",
                ["Edge__Sensors__External__Host"] = "127.0.0.1",
                ["Edge__Sensors__External__Port"] = mosquitto.Port.ToString(CultureInfo.InvariantCulture),
                ["Edge__Sensors__External__Username"] = "edge",
                ["Edge__Sensors__External__Password"] = "edge-s3cret",
                ["Edge__Sensors__External__ClientId"] = "edge-" + Guid.NewGuid().ToString("N")[..8],
            });
        var area = await site.Api.AreaOfDoorAsync(site.DoorId);
        var room = await site.Api.CreateRoomAsync(site.LocationId, area, "Boardroom");
        await site.Api.PostAsync(
            $"/api/v1/locations/{site.LocationId}/sensors",
            new { name = "Boardroom presence", kind = "presence", adapter = "zigbee2mqtt", topic = DemoSensorTopic, resourceId = room });
        await site.SyncedAsync();
        await site.Edge.WaitForStatusAsync(
            s => s.GetProperty("sensors") is { ValueKind: JsonValueKind.Object } sensors && sensors.GetProperty("connected").GetBoolean()
                 && sensors.GetProperty("sensors").GetArrayLength() == 1,
            "the sensor configured at the edge, subscribed at mosquitto");
        var before = await OccupiedRoomsAsync(site, area);

        await Mosquitto.PublishAsync("demo-gateway", "gw-s3cret", mosquitto.Port, DemoSensorTopic, """{"presence":true}""");

        var occupied = await Eventually.Async(
            () => OccupiedRoomsAsync(site, area),
            rooms => rooms == 1,
            "the boardroom occupied in the hub's occupancy now",
            () => site.Edge.Output + mosquitto.Output + site.Hub.Output);
        Assert.Equal((0, 1), (before, occupied));
    }

    private static async Task<int> OccupiedRoomsAsync(SyncSite site, Guid area) =>
        (await site.Api.GetAsync($"/api/v1/locations/{site.LocationId}/occupancy"))
        .GetProperty("areas").EnumerateArray().Single(a => a.GetProperty("areaId").GetGuid() == area).GetProperty("occupiedResources").GetInt32();
}
