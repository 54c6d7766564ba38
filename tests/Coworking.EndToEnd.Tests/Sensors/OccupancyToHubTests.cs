using System.Globalization;
using System.Text;
using System.Text.Json;
using Coworking.EndToEnd.Tests.Sync;
using Coworking.Testing.Sync;
using MQTTnet;
using MQTTnet.Protocol;

namespace Coworking.EndToEnd.Tests.Sensors;

/// <summary>A sensor configured at the hub, heard by the edge over MQTT, and its occupancy back at the hub's utilisation.</summary>
[Collection(SyncCollection.Name)]
public sealed class OccupancyToHubTests
{
    private const string Topic = "zigbee2mqtt/boardroom-presence";

    [Fact]
    public async Task Presence_published_to_the_edges_broker_is_occupied_time_in_the_hubs_utilisation()
    {
        var mqttPort = FreePort.Next();
        await using var site = await SyncSite.StartAsync(
            hubSettings: ["--Sensors:RollupInterval=00:00:01"],
            reader: false,
            edgeSettings: new Dictionary<string, string>
            {
                ["Edge__Sensors__Mode"] = "embedded",
                ["Edge__Sensors__Port"] = mqttPort.ToString(CultureInfo.InvariantCulture),
                ["Edge__Sensors__Gateways__0__Username"] = "gw-1",
                ["Edge__Sensors__Gateways__0__Password"] = "s3cret",
            });
        var room = await site.Api.CreateRoomAsync(site.LocationId, await site.Api.AreaOfDoorAsync(site.DoorId), "Boardroom");
        await site.Api.PostAsync(
            $"/api/v1/locations/{site.LocationId}/sensors",
            new { name = "Boardroom presence", kind = "presence", adapter = "zigbee2mqtt", topic = Topic, resourceId = room });
        await site.SyncedAsync();
        await site.Edge.WaitForStatusAsync(
            s => s.GetProperty("sensors") is { ValueKind: JsonValueKind.Object } sensors && sensors.GetProperty("connected").GetBoolean()
                 && sensors.GetProperty("sensors").GetArrayLength() == 1,
            "the sensor configured at the edge, its broker listening");

        using var gateway = new MqttClientFactory().CreateMqttClient();
        await gateway.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", mqttPort).WithCredentials("gw-1", "s3cret").Build());
        await gateway.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topic)
            .WithPayload(Encoding.UTF8.GetBytes("""{"presence":true,"battery":88}""")).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        await site.Edge.WaitForStatusAsync(
            s => s.GetProperty("sensors").GetProperty("sensors")[0].TryGetProperty("occupied", out var occupied) && occupied.ValueKind == JsonValueKind.True,
            "the room occupied at the edge");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var range = $"from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}";
        var used = await Eventually.Async(
            async () => (await site.Api.GetAsync($"/api/v1/locations/{site.LocationId}/utilisation?{range}&by=resource"))
                .GetProperty("items").EnumerateArray().Single(i => i.GetProperty("resourceId").GetGuid() == room),
            item => item.GetProperty("occupiedMinutes").GetDouble() > 0,
            "occupied time of the room in the hub's utilisation",
            () => site.Edge.Output + site.Hub.Output);

        Assert.Equal(0, used.GetProperty("bookedMinutes").GetDouble());
        Assert.Equal(JsonValueKind.Null, used.GetProperty("occupiedPerBooked").ValueKind);
    }
}
