using Coworking.Edge.Sensors;
using Microsoft.Extensions.Time.Testing;

namespace Coworking.Edge.Tests.Sensors;

public sealed class PayloadAdapterTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));

    private SensorIngest Ingest(params SensorConfig[] sensors) => new(new SettableSensorCatalog(sensors), new SensorOptions(), _time);

    [Fact]
    public void Zigbee2mqtt_presence_sensor_reports_presence_battery_and_link_quality()
    {
        var ingest = Ingest(TestSensors.Zigbee("s1", SensorKind.Presence, "room-1-presence", "room-1"));
        ingest.Publish("zigbee2mqtt/room-1-presence", """{"presence":true,"illuminance_lux":312,"battery":87,"linkquality":140,"temperature":21.5}""");

        var sensor = Assert.Single(ingest.Status().Sensors);
        Assert.Equal("online", sensor.State);
        Assert.True(sensor.Occupied);
        Assert.Equal(87, sensor.Battery);
        Assert.Equal(140, sensor.LinkQuality);
        Assert.Equal(312, sensor.Illuminance);
        Assert.Equal(_time.GetUtcNow(), sensor.LastMessageAt);
    }

    [Fact]
    public void Zigbee2mqtt_pir_occupancy_and_co2_and_plain_illuminance_are_read()
    {
        var ingest = Ingest(TestSensors.Zigbee("pir", SensorKind.Pir, "hall-pir", "hall"), TestSensors.Zigbee("co2", SensorKind.Co2, "hall-co2", "hall"));
        ingest.Publish("zigbee2mqtt/hall-pir", """{"occupancy":true,"illuminance":40}""");
        ingest.Publish("zigbee2mqtt/hall-co2", """{"co2":812}""");

        var sensors = ingest.Status().Sensors.ToDictionary(s => s.SensorId);
        Assert.True(sensors["pir"].Occupied);
        Assert.Equal(40, sensors["pir"].Illuminance);
        Assert.Equal(812, sensors["co2"].Co2);
    }

    [Theory]
    [InlineData("""{"state":"offline"}""")]
    [InlineData("offline")]
    public void Zigbee2mqtt_availability_offline_in_either_shape_makes_the_sensor_offline(string payload)
    {
        var ingest = Ingest(TestSensors.Zigbee("s1", SensorKind.Presence, "desk-7", "desk-7"));
        ingest.Publish("zigbee2mqtt/desk-7", """{"presence":false}""");
        ingest.Publish("zigbee2mqtt/desk-7/availability", payload);

        Assert.Equal("offline", Assert.Single(ingest.Status().Sensors).State);
        Assert.Equal(0, ingest.Problems.MalformedPayloads);
    }

    [Theory]
    [InlineData("""{"state":"online"}""")]
    [InlineData("online")]
    public void Zigbee2mqtt_availability_online_in_either_shape_makes_the_sensor_online(string payload)
    {
        var ingest = Ingest(TestSensors.Zigbee("s1", SensorKind.Presence, "desk-7", "desk-7"));
        ingest.Publish("zigbee2mqtt/desk-7/availability", payload);

        Assert.Equal("online", Assert.Single(ingest.Status().Sensors).State);
    }

    [Theory]
    [InlineData("""{"state":"offline"}""")]
    [InlineData("offline")]
    public void Bridge_going_offline_takes_its_sensors_offline(string payload)
    {
        var ingest = Ingest(TestSensors.Zigbee("s1", SensorKind.Presence, "desk-7", "desk-7"));
        ingest.Publish("zigbee2mqtt/desk-7", """{"presence":true}""");
        ingest.Publish("zigbee2mqtt/bridge/state", payload);

        var status = ingest.Status();
        Assert.Equal("offline", status.Bridges["zigbee2mqtt"]);
        Assert.Equal("offline", Assert.Single(status.Sensors).State);
    }

    [Fact]
    public void Sensor_unheard_for_its_timeout_is_offline()
    {
        var ingest = Ingest(TestSensors.Zigbee("s1", SensorKind.Presence, "desk-7", "desk-7"));
        Assert.Equal("unknown", Assert.Single(ingest.Status().Sensors).State);
        ingest.Publish("zigbee2mqtt/desk-7", """{"presence":true}""");

        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal("online", Assert.Single(ingest.Status().Sensors).State);
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("offline", Assert.Single(ingest.Status().Sensors).State);
    }

    [Fact]
    public void Own_scheme_topic_names_the_sensor_by_its_id()
    {
        var ingest = Ingest(TestSensors.Own("0b9c", SensorKind.Desk, "desk-3"));
        ingest.Publish("coworking/v1/sensors/0b9c", """{"occupied":true,"battery":55}""");

        var sensor = Assert.Single(ingest.Status().Sensors);
        Assert.True(sensor.Occupied);
        Assert.Equal(55, sensor.Battery);
    }

    [Fact]
    public void People_counter_gives_the_total_and_sums_regions_without_one()
    {
        var ingest = Ingest(TestSensors.Counter("c1", "people-counter/lounge", "lounge"), TestSensors.Counter("c2", "people-counter/cafe", "cafe"));
        ingest.Publish("people-counter/lounge", """{"people_count_all":4,"region_count":2,"region_1_count":3,"region_2_count":1}""");
        ingest.Publish("people-counter/cafe", """{"region_1":2,"region_2":5}""");

        var sensors = ingest.Status().Sensors.ToDictionary(s => s.SensorId);
        Assert.Equal(4, sensors["c1"].Count);
        Assert.Equal(7, sensors["c2"].Count);
    }

    [Theory]
    [InlineData("zigbee2mqtt/desk-7", "not json", "payload is not JSON")]
    [InlineData("zigbee2mqtt/desk-7", "[1,2]", "payload is not a JSON object")]
    [InlineData("zigbee2mqtt/desk-7", """{"presence":"yes"}""", "presence is not true or false")]
    [InlineData("zigbee2mqtt/desk-7", """{"battery":250}""", "battery is outside 0..100")]
    [InlineData("zigbee2mqtt/desk-7/availability", "maybe", "availability is neither online nor offline")]
    public void Malformed_payload_is_counted_and_listed_with_its_reason(string topic, string payload, string reason)
    {
        var ingest = Ingest(TestSensors.Zigbee("s1", SensorKind.Presence, "desk-7", "desk-7"));
        ingest.Publish(topic, payload);

        Assert.Equal(1, ingest.Problems.MalformedPayloads);
        var problem = Assert.Single(ingest.Status().RecentProblems);
        Assert.Equal(topic, problem.Topic);
        Assert.Contains(reason, problem.Reason, StringComparison.Ordinal);
        Assert.Equal("unknown", Assert.Single(ingest.Status().Sensors).State);
    }

    [Fact]
    public void Unknown_topics_are_counted_and_only_the_last_fifty_listed()
    {
        var ingest = Ingest(TestSensors.Zigbee("s1", SensorKind.Presence, "desk-7", "desk-7"));
        for (var i = 0; i < 60; i++)
        {
            ingest.Publish($"zigbee2mqtt/stranger-{i}", """{"presence":true}""");
        }

        ingest.Publish("zigbee2mqtt/bridge/info", """{"version":"2.1.0"}""");
        var status = ingest.Status();
        Assert.Equal(60, status.UnknownTopics);
        Assert.Equal(50, status.RecentProblems.Count);
        Assert.Equal("zigbee2mqtt/stranger-59", status.RecentProblems[0].Topic);
        Assert.Equal(61, status.Messages);
    }
}
