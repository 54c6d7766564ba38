using Coworking.Edge.Sensors;

namespace Coworking.Edge.Tests.Sensors;

/// <summary>Home Assistant discovery configs listed on /status as sensors the installer could configure.</summary>
public sealed class HomeAssistantDiscoveryTests
{
    private readonly SensorIngest _ingest = new(
        new SettableSensorCatalog(TestSensors.Zigbee("s1", SensorKind.Presence, "boardroom-presence", "room-1")), new SensorOptions(), TimeProvider.System);

    [Fact]
    public void Discovery_configs_of_motion_presence_co2_and_people_counts_are_listed_as_candidates_and_the_configured_one_is_marked()
    {
        _ingest.Publish("homeassistant/binary_sensor/0x00158d0001/occupancy/config",
            """{"name":"Phone booth motion","device_class":"occupancy","state_topic":"zigbee2mqtt/booth-pir","value_template":"{{ value_json.occupancy }}","device":{"manufacturer":"Aqara","model":"RTCGQ11LM","name":"booth-pir"}}""");
        _ingest.Publish("homeassistant/binary_sensor/0x00158d0002/presence/config",
            """{"name":"Boardroom presence","dev_cla":"occupancy","stat_t":"zigbee2mqtt/boardroom-presence","val_tpl":"{{ value_json.presence }}"}""");
        _ingest.Publish("homeassistant/sensor/0x00158d0003/co2/config",
            """{"name":"Lounge CO2","device_class":"carbon_dioxide","state_topic":"zigbee2mqtt/lounge-co2"}""");
        _ingest.Publish("homeassistant/sensor/vs121/people/config",
            """{"name":"Lobby people","state_topic":"people-counter/lobby","value_template":"{{ value_json.people_count_all }}"}""");
        _ingest.Publish("homeassistant/sensor/0x00158d0004/temperature/config",
            """{"name":"Lounge temperature","device_class":"temperature","state_topic":"zigbee2mqtt/lounge-co2"}""");

        var candidates = _ingest.Status().Candidates;

        Assert.Equal(
            [("zigbee2mqtt/boardroom-presence", "presence", "zigbee2mqtt", true), ("zigbee2mqtt/booth-pir", "pir", "zigbee2mqtt", false),
             ("zigbee2mqtt/lounge-co2", "co2", "zigbee2mqtt", false), ("people-counter/lobby", "counter", "people_counter", false)],
            candidates.OrderBy(c => c.Kind == "counter").ThenBy(c => c.StateTopic, StringComparer.Ordinal).Select(c => (c.StateTopic, c.Kind, c.Adapter, c.Configured)));
        Assert.Equal("Aqara RTCGQ11LM booth-pir", candidates.Single(c => c.Kind == "pir").Device);
        Assert.Equal(0, _ingest.Problems.UnknownTopics);
    }

    [Fact]
    public void Empty_config_removes_a_candidate_and_a_broken_one_is_counted_as_malformed()
    {
        const string topic = "homeassistant/binary_sensor/0x00158d0001/occupancy/config";
        _ingest.Publish(topic, """{"name":"Phone booth motion","device_class":"motion","state_topic":"zigbee2mqtt/booth-pir"}""");
        Assert.Single(_ingest.Status().Candidates);

        _ingest.Receive(topic, ReadOnlySpan<byte>.Empty);
        _ingest.Publish("homeassistant/binary_sensor/x/y/config", """{"name":"no state topic","device_class":"motion"}""");

        Assert.Empty(_ingest.Status().Candidates);
        Assert.Equal(1, _ingest.Problems.MalformedPayloads);
        Assert.Contains("no state_topic", _ingest.Status().RecentProblems[0].Reason, StringComparison.Ordinal);
    }
}
