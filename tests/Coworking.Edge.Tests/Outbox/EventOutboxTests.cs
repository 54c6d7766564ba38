using Coworking.Edge.Configuration;
using Coworking.Edge.Decisions;
using Coworking.Edge.Outbox;
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

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private EdgeEvent Decision(string door, DecisionReason reason) =>
        new(EdgeEventKind.AccessDecision, _time.GetUtcNow(), door) { ReaderId = "r1", Reason = reason, CredentialId = "c1", HolderId = "h1", Presented = "card fc=1 #…07" };

    private async Task<RunningOutbox> StartAsync(int maxBatch = 256, int segmentSize = 4096)
    {
        var outbox = EventOutbox.Open(_directory.File("outbox.db"), new OutboxOptions { MaxBatch = maxBatch, SegmentSize = segmentSize }, _time, Logs.For<EventOutbox>());
        await outbox.StartAsync(Timeout);
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
