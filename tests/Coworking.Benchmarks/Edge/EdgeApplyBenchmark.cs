using System.Diagnostics;
using Coworking.Benchmarks.Support;
using Coworking.Proto.V1;

namespace Coworking.Benchmarks.Edge;

/// <summary>
/// edge-apply [--credentials 100000] [--batches 500]
/// How fast the grant cache takes a snapshot, reopens it, and applies small live batches (each one
/// a durable transaction with its seq, then a new index swapped in).
/// </summary>
internal static class EdgeApplyBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        var credentials = Options.Int(args, "--credentials", 100_000);
        var batches = Options.Int(args, "--batches", 500);
        var data = new EdgeData(credentials, doors: 200, new DateTimeOffset(2025, 6, 4, 10, 0, 0, TimeSpan.Zero));
        var snapshot = data.Snapshot();
        using var directory = new ScratchDirectory();

        var cache = EdgeData.OpenCache(directory.Path);
        var watch = Stopwatch.StartNew();
        cache.ApplySnapshot(snapshot);
        watch.Stop();
        var index = cache.Index;
        Console.WriteLine($"snapshot: {snapshot.Changes.Count:N0} changes ({index.CredentialCount:N0} credentials, {index.HolderCount:N0} holders, {index.GrantCount:N0} grants) " +
            $"applied durably in {watch.Elapsed.TotalMilliseconds:N0} ms = {index.CredentialCount / watch.Elapsed.TotalSeconds:N0} credentials/s");
        Console.WriteLine($"file: {new FileInfo(Path.Combine(directory.Path, "cache.db")).Length / 1048576.0:F1} MiB");

        cache.Dispose();
        watch.Restart();
        cache = EdgeData.OpenCache(directory.Path);
        watch.Stop();
        Console.WriteLine($"reopen (read file, rebuild index): {watch.Elapsed.TotalMilliseconds:N0} ms");

        var samples = new List<double>(batches);
        var seq = cache.AppliedSeq;
        var random = new Random(3);
        for (var b = 0; b < batches; b++)
        {
            var batch = new ChangeBatch { LocationId = EdgeData.LocationId };
            for (var c = 0; c < 10; c++)
            {
                var holder = random.Next(data.Holders);
                var change = (c % 3) switch
                {
                    0 => new Change { Credential = new CredentialUpsert { CredentialId = $"c-{holder}", HolderId = $"h-{holder}", Kind = CredentialKind.Card, FacilityCode = 12, CardNumber = (ulong)(1000 + holder) } },
                    1 => new Change { Holder = new HolderUpsert { HolderId = $"h-{holder}", Status = HolderStatus.Active } },
                    _ => new Change { Grant = new GrantUpsert { GrantId = $"live-{b}-{c}", HolderId = $"h-{holder}", AllDoors = true } },
                };
                change.Seq = ++seq;
                batch.Changes.Add(change);
            }

            batch.LastSeq = seq;
            var start = Stopwatch.GetTimestamp();
            cache.Apply(batch);
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        Console.WriteLine($"live batches of 10 changes: {Percentiles.Of(samples).Format("ms")}  ({batches / samples.Sum() * 1000:N0} batches/s)");
        cache.Dispose();
        return Task.FromResult(0);
    }
}
