using Coworking.Edge.Outbox;
using Coworking.Edge.Sensors;
using Coworking.Edge.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Coworking.Edge.Tests.Sensors;

public sealed class OccupancyTrackerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly RecordingRecorder _recorder = new();

    private (SensorIngest Ingest, OccupancyTracker Tracker) Start(params SensorConfig[] sensors)
    {
        var ingest = new SensorIngest(new SettableSensorCatalog(sensors), new SensorOptions(), _time);
        return (ingest, new OccupancyTracker(ingest, _recorder, _time, Logs.For<OccupancyTracker>()));
    }

    private IReadOnlyList<OccupancyChange> Changes => [.. _recorder.Events.Where(e => e.Kind == EdgeEventKind.OccupancyChanged).Select(e => e.Occupancy!)];

    [Fact]
    public async Task Pir_keeps_the_room_occupied_until_its_hold_passes_without_motion()
    {
        var (ingest, tracker) = Start(TestSensors.Zigbee("pir", SensorKind.Pir, "room-pir", "room-1", holdSeconds: 120));
        ingest.Publish("zigbee2mqtt/room-pir", """{"occupancy":true}""");
        await tracker.EvaluateAsync(CancellationToken.None);
        ingest.Publish("zigbee2mqtt/room-pir", """{"occupancy":false}""");
        _time.Advance(TimeSpan.FromSeconds(100));
        await tracker.EvaluateAsync(CancellationToken.None);
        Assert.Equal([true], Changes.Select(c => c.Occupied));

        _time.Advance(TimeSpan.FromSeconds(21));
        await tracker.EvaluateAsync(CancellationToken.None);
        Assert.Equal([true, false], Changes.Select(c => c.Occupied));
        Assert.All(Changes, c => Assert.Equal("room-1", c.ResourceId));
    }

    [Fact]
    public async Task Presence_sensor_decides_directly_and_each_change_is_recorded_once()
    {
        var (ingest, tracker) = Start(TestSensors.Zigbee("p", SensorKind.Presence, "room-presence", "room-1"));
        ingest.Publish("zigbee2mqtt/room-presence", """{"presence":true}""");
        await tracker.EvaluateAsync(CancellationToken.None);
        await tracker.EvaluateAsync(CancellationToken.None);
        ingest.Publish("zigbee2mqtt/room-presence", """{"presence":false}""");
        await tracker.EvaluateAsync(CancellationToken.None);

        Assert.Equal([true, false], Changes.Select(c => c.Occupied));
        Assert.Equal("p", Changes[0].SensorId);
    }

    [Fact]
    public async Task Co2_alone_never_makes_a_room_occupied()
    {
        var (ingest, tracker) = Start(TestSensors.Zigbee("co2", SensorKind.Co2, "room-co2", "room-1"));
        ingest.Publish("zigbee2mqtt/room-co2", """{"co2":1400}""");

        Assert.Equal(0, await tracker.EvaluateAsync(CancellationToken.None));
        Assert.Empty(Changes);
    }

    [Fact]
    public async Task Counter_gives_the_count_and_occupies_above_zero()
    {
        var (ingest, tracker) = Start(TestSensors.Counter("c", "people-counter/lounge", "lounge"), TestSensors.Zigbee("co2", SensorKind.Co2, "lounge-co2", "lounge"));
        ingest.Publish("zigbee2mqtt/lounge-co2", """{"co2":700}""");
        ingest.Publish("people-counter/lounge", """{"people_count_all":3}""");
        await tracker.EvaluateAsync(CancellationToken.None);
        ingest.Publish("people-counter/lounge", """{"people_count_all":0}""");
        await tracker.EvaluateAsync(CancellationToken.None);

        Assert.Equal([(true, 3), (false, 0)], Changes.Select(c => (c.Occupied, c.Count)));
        Assert.Equal(700, Changes[0].Co2Ppm);
    }

    [Fact]
    public async Task Sensor_going_offline_leaves_the_room_vacant()
    {
        var (ingest, tracker) = Start(TestSensors.Zigbee("p", SensorKind.Presence, "room-presence", "room-1"));
        ingest.Publish("zigbee2mqtt/room-presence", """{"presence":true}""");
        await tracker.EvaluateAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(11));
        await tracker.EvaluateAsync(CancellationToken.None);

        Assert.Equal([true, false], Changes.Select(c => c.Occupied));
    }
}
