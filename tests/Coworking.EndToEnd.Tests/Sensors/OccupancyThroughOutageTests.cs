using System.Globalization;
using System.Text;
using System.Text.Json;
using Coworking.EndToEnd.Tests.Sync;
using Coworking.Testing.Sync;
using MQTTnet;
using MQTTnet.Protocol;
using Npgsql;

namespace Coworking.EndToEnd.Tests.Sensors;

/// <summary>Occupancy sensed while the hub is down is kept in the edge's outbox and reaches the hub once.</summary>
[Collection(SyncCollection.Name)]
public sealed class OccupancyThroughOutageTests
{
    private const string Topic = "zigbee2mqtt/fishbowl-presence";
    private const int Changes = 8;

    [Fact]
    public async Task Occupancy_changes_sensed_while_the_hub_is_down_all_arrive_once_when_it_is_back()
    {
        var mqttPort = FreePort.Next();
        await using var site = await SyncSite.StartAsync(
            reader: false,
            edgeSettings: new Dictionary<string, string>
            {
                ["Edge__Sensors__Port"] = mqttPort.ToString(CultureInfo.InvariantCulture),
                ["Edge__Sensors__Gateways__0__Username"] = "gw-1",
                ["Edge__Sensors__Gateways__0__Password"] = "s3cret",
            });
        var room = await site.Api.CreateRoomAsync(site.LocationId, await site.Api.AreaOfDoorAsync(site.DoorId), "Fishbowl");
        await site.Api.PostAsync(
            $"/api/v1/locations/{site.LocationId}/sensors",
            new { name = "Fishbowl presence", kind = "presence", adapter = "zigbee2mqtt", topic = Topic, resourceId = room });
        await site.SyncedAsync();
        await site.Edge.WaitForStatusAsync(
            s => s.GetProperty("sensors") is { ValueKind: JsonValueKind.Object } sensors && sensors.GetProperty("connected").GetBoolean()
                 && sensors.GetProperty("sensors").GetArrayLength() == 1,
            "the sensor configured at the edge, its broker listening");

        await site.Hub.KillAsync();
        using var gateway = new MqttClientFactory().CreateMqttClient();
        await gateway.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", mqttPort).WithCredentials("gw-1", "s3cret").Build());
        for (var i = 0; i < Changes; i++)
        {
            var occupied = i % 2 == 0;
            await gateway.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topic)
                .WithPayload(Encoding.UTF8.GetBytes(occupied ? """{"presence":true}""" : """{"presence":false}""")).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            var expected = i + 1;
            await site.Edge.WaitForStatusAsync(s => s.GetProperty("outbox").GetProperty("depth").GetInt64() >= expected, $"change {expected} kept in the outbox");
        }

        await site.Hub.StartAsync();
        await site.Edge.WaitForStatusAsync(s => s.GetProperty("outbox").GetProperty("depth").GetInt64() == 0, "the outbox emptied into the hub");

        var (rows, distinct, occupiedRows) = await SamplesAsync(site.Api.ConnectionString, room);
        Assert.Equal((Changes, Changes, Changes / 2), (rows, distinct, occupiedRows));
    }

    private static async Task<(long Rows, long Distinct, long Occupied)> SamplesAsync(string connectionString, Guid room)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT count(*), count(DISTINCT event_id), count(*) FILTER (WHERE occupied) FROM sensor_samples WHERE resource_id = @room", conn);
        cmd.Parameters.AddWithValue("room", room);
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }
}
