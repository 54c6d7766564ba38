using System.Diagnostics;
using Coworking.Benchmarks.Support;
using Coworking.Edge.Cache;
using Coworking.Edge.Decisions;
using Coworking.Proto.V1;

namespace Coworking.Benchmarks.Edge;

/// <summary>
/// edge-decide [--credentials 100000] [--doors 200] [--decisions 1000000]
/// Latency of one decision from the in-memory index, each call timed on its own, with and without a
/// writer swapping in a new index every few milliseconds.
/// </summary>
internal static class EdgeDecideBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        var credentials = Options.Int(args, "--credentials", 100_000);
        var doors = Options.Int(args, "--doors", 200);
        var decisions = Options.Int(args, "--decisions", 1_000_000);
        var now = new DateTimeOffset(2025, 6, 4, 10, 0, 0, TimeSpan.Zero);
        var data = new EdgeData(credentials, doors, now);
        using var directory = new ScratchDirectory();
        using var cache = EdgeData.OpenCache(directory.Path);
        cache.ApplySnapshot(data.Snapshot());
        var index = cache.Index;
        Console.WriteLine($"cache: {index.CredentialCount} credentials, {index.HolderCount} holders, {index.GrantCount} grants, {index.Doors.Count} doors");

        var presentations = data.Presentations(decisions, seed: 7);
        var engine = new DecisionEngine(cache);
        Measure(engine, presentations[..Math.Min(decisions, 200_000)], now, "warm-up", print: false);
        Measure(engine, presentations, now, "decide", print: true);

        using var stop = new CancellationTokenSource();
        var batches = 0;
        var writer = Task.Run(() =>
        {
            var seq = cache.AppliedSeq;
            while (!stop.IsCancellationRequested)
            {
                var batch = new ChangeBatch { LocationId = EdgeData.LocationId, LastSeq = ++seq };
                batch.Changes.Add(new Change { Seq = seq, Holder = new HolderUpsert { HolderId = $"h-{seq % data.Holders}", Status = HolderStatus.Active } });
                cache.Apply(batch);
                batches++;
                Thread.Sleep(5);
            }
        });
        Measure(engine, presentations, now, "decide while batches apply", print: true);
        stop.Cancel();
        writer.Wait();
        Console.WriteLine($"  ({batches} batches applied meanwhile, each swapping in a new index)");
        return Task.FromResult(0);
    }

    private static void Measure(DecisionEngine engine, Presentation[] presentations, DateTimeOffset now, string label, bool print)
    {
        var samples = new double[presentations.Length];
        var reasons = new int[Enum.GetValues<DecisionReason>().Length];
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var total = Stopwatch.StartNew();
        for (var i = 0; i < presentations.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var decision = engine.Decide(presentations[i], now);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            reasons[(int)decision.Reason]++;
        }

        total.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        if (!print)
        {
            return;
        }

        Console.WriteLine($"{label}: {Percentiles.Of(samples).Format("µs")}  {presentations.Length / total.Elapsed.TotalSeconds:N0}/s  {allocated / (double)presentations.Length:F0} B allocated per decision");
        Console.WriteLine("  reasons: " + string.Join(", ", Enum.GetValues<DecisionReason>().Where(r => reasons[(int)r] > 0).Select(r => $"{r.ToWireName()} {reasons[(int)r]}")));
    }
}
