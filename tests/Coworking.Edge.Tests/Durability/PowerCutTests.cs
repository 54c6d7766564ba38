using Coworking.Edge.Cache;
using Coworking.Edge.Configuration;
using Coworking.Edge.CrashWriter;
using Coworking.Edge.Outbox;
using Coworking.Edge.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Coworking.Edge.Tests.Durability;

/// <summary>
/// Power cuts on a simulated disk that loses unsynced writes (see <see cref="SimulatedDisk"/>):
/// what kill -9 cannot show, since the kernel keeps a killed process's writes.
/// </summary>
public sealed class PowerCutTests(ITestOutputHelper output)
{
    private const int Cuts = 150;

    [Fact]
    public async Task Cache_and_outbox_keep_every_reported_fact_through_power_cuts_that_lose_unsynced_writes()
    {
        var random = new Random(31337);
        var disk = new SimulatedDisk();
        var written = new HashSet<Guid>();
        var acknowledged = new HashSet<Guid>();
        long reportedSeq = 0;

        for (var cut = 0; cut <= Cuts; cut++)
        {
            var cache = GrantCache.Open(disk.OpenDatabase("cache"), Logs.For<GrantCache>());
            cache.RewriteAfterChanges = 1000;
            var outbox = EventOutbox.Open(disk.OpenDatabase("outbox"), new OutboxOptions { MaxBatch = 16, SegmentSize = 24 }, new FakeTimeProvider(), Logs.For<EventOutbox>());
            try
            {
                Assert.True(CrashScenario.Inconsistency(cache.Index) is null, $"after cut {cut}: {CrashScenario.Inconsistency(cache.Index)}");
                Assert.True(cache.AppliedSeq >= reportedSeq, $"after cut {cut}: cache at seq {cache.AppliedSeq}, seq {reportedSeq} was reported applied");
                reportedSeq = cache.AppliedSeq;
                var present = outbox.ReadBatch(int.MaxValue).Select(e => e.Id).ToHashSet();
                var missing = written.Count(id => !present.Contains(id) && !acknowledged.Contains(id));
                Assert.True(missing == 0, $"after cut {cut}: {missing} events reported written are missing");
                Assert.Equal(present.Count, outbox.Depth);
                if (cut == Cuts)
                {
                    break;
                }

                await outbox.StartAsync(CancellationToken.None);
                using var stop = new CancellationTokenSource();
                var current = disk;
                var work = new List<Task>
                {
                    Task.Run(() =>
                    {
                        while (!stop.IsCancellationRequested)
                        {
                            var result = cache.Apply(CrashScenario.Batch(CrashScenario.BatchEndingAt(cache.AppliedSeq)!.Value + 1));
                            current.Report(() => reportedSeq = result.AppliedSeq);
                        }
                    }),
                    Task.Run(async () =>
                    {
                        while (!stop.IsCancellationRequested)
                        {
                            var ids = outbox.ReadBatch(8).Select(e => e.Id).ToList();
                            current.Report(() => acknowledged.UnionWith(ids));
                            outbox.Acknowledge(ids);
                            await Task.Delay(2);
                        }
                    }),
                };
                work.AddRange(Enumerable.Range(0, 3).Select(door => Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        var id = await outbox.AppendAsync(new EdgeEvent(EdgeEventKind.DoorOpened, DateTimeOffset.UnixEpoch, $"door-{door}"), CancellationToken.None);
                        current.Report(() => written.Add(id));
                    }
                })));

                await Task.Delay(random.Next(1, 40));
                disk = current.CutPower(random);
                await stop.CancelAsync();
                await Task.WhenAll(work).WaitAsync(TimeSpan.FromSeconds(30));
                await outbox.StopAsync(CancellationToken.None);
            }
            finally
            {
                outbox.Dispose();
                cache.Dispose();
            }
        }

        output.WriteLine($"{Cuts} power cuts, cache at seq {reportedSeq}, {written.Count} events reported written, {acknowledged.Count} acknowledged");
    }
}
