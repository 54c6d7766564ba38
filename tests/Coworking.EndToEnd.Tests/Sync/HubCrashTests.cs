using Coworking.Edge.Configuration;
using Coworking.Edge.Decisions;
using Coworking.Edge.Outbox;
using Coworking.Testing.Sync;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Coworking.EndToEnd.Tests.Sync;

/// <summary>
/// The hub killed with -9 while it streams a snapshot, a run of change batches, or takes an upload: after it
/// comes back the edge holds exactly the location's log (no entry missed, none applied twice, its seq never
/// skipping) and the hub holds each event once. Each test watches for the moment the work is under way and
/// kills the hub then; when the work finished first, it sets the scene again (a few tries at most).
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class HubCrashTests(ITestOutputHelper output)
{
    private const int Tries = 5;

    [Fact]
    public async Task Hub_killed_mid_snapshot_leaves_the_new_edge_empty_until_a_whole_snapshot_arrives()
    {
        await using var site = await SyncSite.StartAsync(reader: false, hubSettings: ["--EdgeSync:SnapshotChunkSize=100"]);
        await ChangeLogWriter.AppendMembersAsync(site.Api.ConnectionString, site.LocationId, 20_000);
        var target = await site.Api.LocationSeqAsync(site.LocationId);

        for (var attempt = 1; ; attempt++)
        {
            var fresh = await site.EnrolAnotherEdgeAsync();
            await fresh.StartAsync();
            await fresh.WaitForStatusAsync(
                s => s.GetProperty("sync").GetProperty("snapshotChanges").GetInt64() > 0 || s.GetProperty("cache").GetProperty("seq").GetInt64() > 0,
                "a snapshot under way");
            await site.Hub.KillAsync();
            var cut = await fresh.StatusAsync();
            var interrupted = cut.GetProperty("cache").GetProperty("seq").GetInt64() == 0;
            if (interrupted)
            {
                Assert.Equal(0, cut.GetProperty("cache").GetProperty("credentials").GetInt32());
            }

            await site.Hub.StartAsync();
            await fresh.WaitForSeqAsync(target);
            var cache = (await fresh.StatusAsync()).GetProperty("cache");

            Assert.Equal((target, 20_001, 20_001, 0L), (cache.GetProperty("seq").GetInt64(), cache.GetProperty("credentials").GetInt32(),
                cache.GetProperty("grants").GetInt32(), cache.GetProperty("rejectedChanges").GetInt64()));
            if (interrupted)
            {
                output.WriteLine($"interrupted on try {attempt}");
                return;
            }

            Assert.True(attempt < Tries, $"the snapshot always finished before the hub was killed ({Tries} tries)");
            await fresh.KillAsync();
        }
    }

    [Fact]
    public async Task Hub_killed_mid_catch_up_leaves_no_gap_and_no_change_applied_twice()
    {
        await using var site = await SyncSite.StartAsync(reader: false, hubSettings: ["--EdgeSync:BatchSize=50"]);
        var members = 1;

        for (var attempt = 1; ; attempt++)
        {
            var start = await site.Edge.SeqAsync();
            site.Edge.Freeze();
            await ChangeLogWriter.AppendMembersAsync(site.Api.ConnectionString, site.LocationId, 5_000, firstCard: members);
            members += 5_000;
            var target = await site.Api.LocationSeqAsync(site.LocationId);
            site.Edge.Thaw();
            await site.Edge.WaitForStatusAsync(s => s.GetProperty("cache").GetProperty("seq").GetInt64() > start, "catch-up under way");
            await site.Hub.KillAsync();
            var interrupted = await site.Edge.SeqAsync() < target;
            await site.Hub.StartAsync();
            await site.Edge.WaitForSeqAsync(target);
            var cache = (await site.Edge.StatusAsync()).GetProperty("cache");

            Assert.Equal((target, members, 0L), (cache.GetProperty("seq").GetInt64(), cache.GetProperty("credentials").GetInt32(),
                cache.GetProperty("rejectedChanges").GetInt64()));
            Assert.DoesNotContain("leaves a gap", site.Edge.Output, StringComparison.Ordinal);
            if (interrupted)
            {
                output.WriteLine($"interrupted on try {attempt}");
                return;
            }

            Assert.True(attempt < Tries, $"the catch-up always finished before the hub was killed ({Tries} tries)");
        }
    }

    [Fact]
    public async Task Hub_killed_mid_upload_stores_every_event_exactly_once()
    {
        await using var site = await SyncSite.StartAsync(reader: false, edgeSettings: new Dictionary<string, string> { ["Edge__Sync__UploadBatchSize"] = "50" });
        var recorded = 0;

        for (var attempt = 1; ; attempt++)
        {
            await site.Edge.KillAsync();
            recorded += await RecordEventsAsync(site.Edge.DataDirectory, site.DoorId, 10_000);
            await site.Edge.StartAsync();
            var before = (await site.Api.AccessEventsAsync(site.Edge.EdgeId)).Rows;
            await Eventually.Async(async () => (await site.Api.AccessEventsAsync(site.Edge.EdgeId)).Rows > before, "upload under way");
            await site.Hub.KillAsync();
            var interrupted = (await site.Api.AccessEventsAsync(site.Edge.EdgeId)).Rows < recorded;
            await site.Hub.StartAsync();
            await site.Edge.WaitForEmptyOutboxAsync();

            Assert.Equal((recorded, recorded), await site.Api.AccessEventsAsync(site.Edge.EdgeId));
            if (interrupted)
            {
                output.WriteLine($"interrupted on try {attempt}");
                return;
            }

            Assert.True(attempt < Tries, $"the upload always finished before the hub was killed ({Tries} tries)");
        }
    }

    /// <summary>Writes decisions into a stopped edge's outbox, as its doors would have while it was cut off.</summary>
    private static async Task<int> RecordEventsAsync(string dataDirectory, Guid doorId, int count)
    {
        var options = new EdgeOptions { DataDirectory = dataDirectory };
        using var outbox = EventOutbox.Open(options.OutboxPath, options.Outbox, TimeProvider.System, NullLogger<EventOutbox>.Instance);
        await outbox.StartAsync(CancellationToken.None);
        var appends = Enumerable.Range(0, count)
            .Select(_ => outbox.AppendAsync(new EdgeEvent(EdgeEventKind.AccessDecision, DateTimeOffset.UtcNow, doorId.ToString()) { Reason = DecisionReason.Granted }, CancellationToken.None))
            .ToList();
        await Task.WhenAll(appends);
        await outbox.StopAsync(CancellationToken.None);
        return count;
    }
}
