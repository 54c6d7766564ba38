using Coworking.Edge.Configuration;
using Coworking.Edge.Decisions;
using Coworking.Edge.Outbox;
using Coworking.Edge.Sensors;
using Coworking.Edge.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Coworking.Edge.Tests.Outbox;

public sealed class EventOutboxTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 6, 4, 10, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(Start);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Unacknowledged_events_are_kept_across_reopen_in_order()
    {
        var ids = new List<Guid>();
        await using (var outbox = await StartAsync())
        {
            ids.Add(await outbox.Outbox.AppendAsync(Decision("front", DecisionReason.Granted), Timeout));
            _time.Advance(TimeSpan.FromSeconds(1));
            ids.Add(await outbox.Outbox.AppendAsync(new EdgeEvent(EdgeEventKind.DoorForcedOpen, _time.GetUtcNow(), "back"), Timeout));
        }

        await using var reopened = await StartAsync();
        var entries = reopened.Outbox.ReadBatch(10);

        Assert.Equal(2, reopened.Outbox.Depth);
        Assert.Equal(ids, entries.Select(e => e.Id));
        Assert.Equal(Decision("front", DecisionReason.Granted) with { OccurredAt = Start }, entries[0].Event);
        Assert.Equal(new EdgeEvent(EdgeEventKind.DoorForcedOpen, Start.AddSeconds(1), "back"), entries[1].Event);
    }

    [Fact]
    public async Task Acknowledged_events_are_gone_for_good()
    {
        Guid first, second;
        await using (var outbox = await StartAsync())
        {
            first = await outbox.Outbox.AppendAsync(Decision("front", DecisionReason.Granted), Timeout);
            second = await outbox.Outbox.AppendAsync(Decision("front", DecisionReason.Revoked), Timeout);

            Assert.Equal(1, outbox.Outbox.Acknowledge([first, Guid.NewGuid()]));
            Assert.Equal(0, outbox.Outbox.Acknowledge([first]));
            Assert.Equal(1, outbox.Outbox.Depth);
        }

        await using var reopened = await StartAsync();

        Assert.Equal([second], reopened.Outbox.ReadBatch(10).Select(e => e.Id));
        Assert.Equal(1, reopened.Outbox.Depth);
    }

    [Fact]
    public async Task Read_batch_gives_the_oldest_first_and_at_most_max()
    {
        await using var outbox = await StartAsync();
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await outbox.Outbox.AppendAsync(Decision($"door-{i}", DecisionReason.Granted), Timeout));
        }

        Assert.Equal(ids.Take(3), outbox.Outbox.ReadBatch(3).Select(e => e.Id));
    }

    [Fact]
    public async Task Concurrent_appends_are_all_recorded_in_the_order_their_ids_give()
    {
        await using var outbox = await StartAsync(maxBatch: 8);

        var ids = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            Task.Run(() => outbox.Outbox.AppendAsync(Decision($"door-{i % 20}", DecisionReason.Granted), Timeout))));

        var stored = outbox.Outbox.ReadBatch(1000).Select(e => e.Id).ToList();
        Assert.Equal(200, outbox.Outbox.Depth);
        Assert.Equal(ids.Order(), stored);
    }

    [Fact]
    public async Task Appends_queued_when_the_outbox_stops_are_still_recorded()
    {
        var outbox = EventOutbox.Open(_directory.File("outbox.db"), new OutboxOptions(), _time, Logs.For<EventOutbox>());
        var pending = Enumerable.Range(0, 50).Select(i => outbox.AppendAsync(Decision("front", DecisionReason.Granted), Timeout)).ToList();

        await outbox.StartAsync(Timeout);
        await outbox.StopAsync(Timeout);
        var ids = await Task.WhenAll(pending);
        outbox.Dispose();

        await using var reopened = await StartAsync();
        Assert.Equal(ids.Order(), reopened.Outbox.ReadBatch(100).Select(e => e.Id));
        await Assert.ThrowsAsync<InvalidOperationException>(() => outbox.AppendAsync(Decision("front", DecisionReason.Granted), Timeout));
    }

    [Fact]
    public async Task Events_acknowledged_out_of_order_across_segments_are_not_read_again_and_the_rest_survive_reopen()
    {
        List<Guid> ids;
        await using (var outbox = await StartAsync(maxBatch: 1, segmentSize: 4))
        {
            ids = [];
            for (var i = 0; i < 10; i++)
            {
                ids.Add(await outbox.Outbox.AppendAsync(Decision($"door-{i}", DecisionReason.Granted), Timeout));
            }

            Assert.Equal(5, outbox.Outbox.Acknowledge([ids[6], ids[2], ids[3], ids[4], ids[5]]));
            Assert.Equal([ids[0], ids[1], ids[7], ids[8], ids[9]], outbox.Outbox.ReadBatch(10).Select(e => e.Id));
            Assert.Equal([ids[7], ids[8]], outbox.Outbox.ReadBatch(2, ids[1]).Select(e => e.Id));
            Assert.Equal(2, outbox.Outbox.Acknowledge([ids[0], ids[1], ids[6]]));
            Assert.Equal(3, outbox.Outbox.Depth);
        }

        await using var reopened = await StartAsync(segmentSize: 4);
        Assert.Equal(ids.Skip(7), reopened.Outbox.ReadBatch(10).Select(e => e.Id));
        Assert.Equal(3, reopened.Outbox.Depth);

        var later = await reopened.Outbox.AppendAsync(Decision("front", DecisionReason.Granted), Timeout);
        Assert.True(later.CompareTo(ids[^1]) > 0, "an id made after reopening sorts after every earlier one");
        Assert.Equal([.. ids.Skip(7), later], reopened.Outbox.ReadBatch(10).Select(e => e.Id));
    }

    [Fact]
    public async Task Outbox_file_stops_growing_while_events_are_recorded_and_acknowledged()
    {
        var path = _directory.File("outbox.db");
        var sizes = new List<long>();
        await using (var outbox = await StartAsync(segmentSize: 100))
        {
            for (var round = 0; round < 24; round++)
            {
                await Task.WhenAll(Enumerable.Range(0, 250).Select(i => outbox.Outbox.AppendAsync(Decision($"door-{i % 8}", DecisionReason.Granted), Timeout)));
                var batch = outbox.Outbox.ReadBatch(1000);
                Assert.Equal(250, batch.Count);
                Assert.Equal(250, outbox.Outbox.Acknowledge(batch.Select(e => e.Id)));
                sizes.Add(new FileInfo(path).Length);
            }

            Assert.Equal(0, outbox.Outbox.Depth);
        }

        // LiteDB's log and free pages move the size by a few pages from round to round (how the concurrent appends
        // fell into group commits); an outbox that kept acknowledged events would be about six times the size by now.
        Assert.True(sizes[^1] <= sizes[3] * 3 / 2, $"outbox file grew from {sizes[3]} to {sizes[^1]} bytes with nothing more waiting");
    }

    [Fact]
    public async Task Past_its_budget_the_outbox_drops_the_oldest_sensor_readings_and_keeps_every_access_event()
    {
        const long budget = 2 * 1024 * 1024;
        var decisions = new List<Guid>();
        var readings = new List<Guid>();
        await using (var outbox = await StartAsync(segmentSize: 1000, maxBytes: budget))
        {
            // A week of an hour's readings from 50 sensors and a badge every few minutes, each hour's events recorded together.
            for (var hour = 0; hour < 7 * 24; hour++)
            {
                _time.Advance(TimeSpan.FromHours(1));
                var hourly = Enumerable.Range(0, 60).Select(minute =>
                    outbox.Outbox.AppendAsync(Reading(minute % 50, (hour + minute) % 3 == 0), Timeout)).ToList();
                var badges = Enumerable.Range(0, 6).Select(_ => outbox.Outbox.AppendAsync(Decision("front", DecisionReason.Granted), Timeout)).ToList();
                readings.AddRange(await Task.WhenAll(hourly));
                decisions.AddRange(await Task.WhenAll(badges));
            }

            Assert.True(outbox.Outbox.DroppedForBudget > 0, "nothing was dropped: the budget was never reached");
            Assert.True(outbox.Outbox.Bytes <= budget * 2 / 5, $"{outbox.Outbox.Bytes} bytes of events kept, over 40 % of the budget");
            Assert.False(outbox.Outbox.OverBudget);
        }

        Assert.True(new FileInfo(_directory.File("outbox.db")).Length <= budget, $"outbox file {new FileInfo(_directory.File("outbox.db")).Length} bytes, over its budget of {budget}");
        await using var reopened = await StartAsync(segmentSize: 1000, maxBytes: budget);
        var kept = reopened.Outbox.ReadBatch(100_000).Select(e => e.Id).ToList();
        var keptReadings = kept.Where(readings.Contains).ToList();

        Assert.Equal(decisions, kept.Where(decisions.Contains));
        Assert.Equal(readings.TakeLast(keptReadings.Count), keptReadings);
        Assert.Equal(kept.Count, reopened.Outbox.Depth);
    }

    [Fact]
    public async Task Access_events_past_the_budget_are_all_kept_and_the_outbox_says_it_is_over()
    {
        const long budget = 64 * 1024;
        await using var outbox = await StartAsync(maxBytes: budget);
        await outbox.Outbox.AppendAsync(Reading(1, true), Timeout);
        var decisions = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            decisions.AddRange(await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => outbox.Outbox.AppendAsync(Decision("front", DecisionReason.Granted), Timeout))));
        }

        Assert.True(outbox.Outbox.OverBudget);
        Assert.Equal(1, outbox.Outbox.DroppedForBudget);
        Assert.Equal(decisions, outbox.Outbox.ReadBatch(10_000).Select(e => e.Id));

        Assert.Equal(1000, outbox.Outbox.Acknowledge(decisions));
        await outbox.Outbox.AppendAsync(Decision("front", DecisionReason.Granted), Timeout);
        Assert.False(outbox.Outbox.OverBudget);
        Assert.True(outbox.Outbox.Bytes < 1024);
    }

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private EdgeEvent Decision(string door, DecisionReason reason) =>
        new(EdgeEventKind.AccessDecision, _time.GetUtcNow(), door) { ReaderId = "r1", Reason = reason, CredentialId = "c1", HolderId = "h1", Presented = "card fc=1 #…07" };

    private EdgeEvent Reading(int sensor, bool occupied) =>
        new(EdgeEventKind.OccupancyChanged, _time.GetUtcNow(), "") { Occupancy = new OccupancyChange($"room-{sensor}", null, occupied, occupied ? 1 : 0, 612.5, $"sensor-{sensor}") };

    private async Task<RunningOutbox> StartAsync(int maxBatch = 256, int segmentSize = 4096, long maxBytes = 256L * 1024 * 1024)
    {
        var outbox = EventOutbox.Open(
            _directory.File("outbox.db"), new OutboxOptions { MaxBatch = maxBatch, SegmentSize = segmentSize, MaxBytes = maxBytes }, _time, Logs.For<EventOutbox>());
        // Not Timeout: BackgroundService links the start token into the loop's stopping token.
        await outbox.StartAsync(CancellationToken.None);
        return new RunningOutbox(outbox);
    }

    private sealed class RunningOutbox(EventOutbox outbox) : IAsyncDisposable
    {
        public EventOutbox Outbox { get; } = outbox;

        public async ValueTask DisposeAsync()
        {
            await Outbox.StopAsync(CancellationToken.None);
            Outbox.Dispose();
        }
    }
}
