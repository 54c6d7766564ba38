using Coworking.Edge.Configuration;
using Coworking.Edge.EdgeSync;
using Coworking.Edge.Outbox;
using Coworking.Edge.Sensors;
using Coworking.Edge.Tests.Support;
using Coworking.Proto.V1;
using Microsoft.Extensions.Time.Testing;

namespace Coworking.Edge.Tests.Sensors;

/// <summary>The 5-minute aggregates the edge sends beside the state changes.</summary>
public sealed class OccupancyWindowTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly RecordingRecorder _recorder = new();
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private IReadOnlyList<OccupancyChange> Windows => [.. _recorder.Events.Where(e => e.Kind == EdgeEventKind.OccupancyAggregate).Select(e => e.Occupancy!)];

    [Fact]
    public async Task Each_five_minutes_of_a_room_are_summed_up_with_seconds_occupied_peak_count_and_co2()
    {
        var ingest = new SensorIngest(new SettableSensorCatalog(
            TestSensors.Zigbee("p", SensorKind.Presence, "room-presence", "room-1"),
            TestSensors.Counter("c", "people-counter/room-1", "room-1"),
            TestSensors.Zigbee("co2", SensorKind.Co2, "room-co2", "room-1")), new SensorOptions(), _time);
        var tracker = new OccupancyTracker(ingest, _recorder, _time, Logs.For<OccupancyTracker>());
        ingest.Publish("zigbee2mqtt/room-co2", """{"co2":600}""");
        ingest.Publish("zigbee2mqtt/room-presence", """{"presence":true}""");
        ingest.Publish("people-counter/room-1", """{"people_count_all":2}""");
        await tracker.EvaluateAsync(CancellationToken.None);
        for (var second = 1; second <= 120; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            if (second == 60)
            {
                ingest.Publish("people-counter/room-1", """{"people_count_all":4}""");
                ingest.Publish("zigbee2mqtt/room-co2", """{"co2":1000}""");
            }

            await tracker.EvaluateAsync(CancellationToken.None);
        }

        ingest.Publish("zigbee2mqtt/room-presence", """{"presence":false}""");
        ingest.Publish("people-counter/room-1", """{"people_count_all":0}""");
        await tracker.EvaluateAsync(CancellationToken.None);
        Assert.Empty(Windows);

        _time.Advance(TimeSpan.FromMinutes(3));
        await tracker.EvaluateAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(5));
        await tracker.EvaluateAsync(CancellationToken.None);

        Assert.Equal(2, Windows.Count);
        var first = Windows[0].Window!;
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero), first.Start);
        Assert.Equal((300, 120, 4, 1000.0), (first.Seconds, first.OccupiedSeconds, first.PeakCount, first.Co2Max));
        Assert.InRange(first.Co2Mean, 600, 1000);
        Assert.Equal("room-1", Windows[0].ResourceId);
        Assert.False(Windows[0].Occupied);
        Assert.Equal((0, 0), (Windows[1].Window!.OccupiedSeconds, Windows[1].Window!.PeakCount));
        var recorded = _recorder.Events.Where(e => e.Kind == EdgeEventKind.OccupancyAggregate).Select(e => e.OccurredAt);
        Assert.Equal([first.Start.AddMinutes(5), first.Start.AddMinutes(10)], recorded);
    }

    [Fact]
    public async Task A_room_never_heard_sends_no_aggregates()
    {
        var ingest = new SensorIngest(new SettableSensorCatalog(TestSensors.Zigbee("p", SensorKind.Presence, "room-presence", "room-1")), new SensorOptions(), _time);
        var tracker = new OccupancyTracker(ingest, _recorder, _time, Logs.For<OccupancyTracker>());
        await tracker.EvaluateAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(11));
        await tracker.EvaluateAsync(CancellationToken.None);

        Assert.Empty(_recorder.Events);
    }

    [Fact]
    public async Task Aggregate_is_kept_in_the_outbox_across_a_restart_and_goes_up_with_its_window()
    {
        var window = new OccupancyWindow(new DateTimeOffset(2026, 3, 2, 9, 5, 0, TimeSpan.Zero), 300, 185, 3, 712.5, 900);
        var aggregate = new EdgeEvent(EdgeEventKind.OccupancyAggregate, window.Start.AddMinutes(5), "")
        {
            Occupancy = new OccupancyChange("room-1", "area-1", true, 2, 880, null, window),
        };
        var path = _directory.File("outbox.db");
        Guid id;
        using (var outbox = EventOutbox.Open(path, new OutboxOptions(), _time, Logs.For<EventOutbox>()))
        {
            await outbox.StartAsync(CancellationToken.None);
            id = await outbox.AppendAsync(aggregate, CancellationToken.None);
            await outbox.StopAsync(CancellationToken.None);
        }

        using var reopened = EventOutbox.Open(path, new OutboxOptions(), _time, Logs.For<EventOutbox>());
        var entry = Assert.Single(reopened.ReadBatch(10));
        Assert.Equal(aggregate, entry.Event);
        var wire = OutboxEvents.ToProto(entry);
        Assert.Equal(ReportedEventKind.OccupancyAggregate, wire.Kind);
        Assert.Equal((300, 185, 3, 712.5, 900.0), (wire.Occupancy.WindowS, wire.Occupancy.OccupiedS, wire.Occupancy.PeakCount, wire.Occupancy.Co2MeanPpm, wire.Occupancy.Co2MaxPpm));
        Assert.Equal(window.Start, wire.Occupancy.WindowStart.ToDateTimeOffset());
        Assert.Equal(id.ToString(), wire.EventId);
    }
}
