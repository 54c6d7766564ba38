using System.Diagnostics;
using Coworking.Benchmarks.Support;
using Coworking.Edge.Cache;
using Coworking.Edge.Configuration;
using Coworking.Edge.Decisions;
using Coworking.Edge.Doors;
using Coworking.Edge.Outbox;
using LiteDB;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coworking.Benchmarks.Edge;

/// <summary>
/// edge-outbox [--events 2000]
/// What recording an event costs on the decision path: LiteDB commit alone (not durable), one durable
/// commit per event, and group commit; with one door at a time and with 16 doors at once. Then the
/// whole path presentation → decision → durable record → strike with the group commit.
/// </summary>
internal static class EdgeOutboxBenchmark
{
    private static readonly int[] Concurrency = [1, 16];

    public static async Task<int> RunAsync(string[] args)
    {
        var events = Options.Int(args, "--events", 2000);
        foreach (var doors in Concurrency)
        {
            Console.WriteLine($"-- {doors} door(s) recording at once, {events} events");
            Report("commit only, not durable", await CommitOnlyAsync(events, doors));
            Report("durable, one commit per event", await OutboxAsync(events, doors, maxBatch: 1));
            Report("durable, group commit", await OutboxAsync(events, doors, maxBatch: 256));
        }

        Console.WriteLine("-- whole path: decide + durable record (group commit) + strike, 100,000 credentials cached");
        foreach (var doors in Concurrency)
        {
            Report($"{doors} door(s) at once", await AccessPathAsync(events, doors));
        }

        return 0;
    }

    private static void Report(string label, (List<double> Samples, TimeSpan Elapsed) run) =>
        Console.WriteLine($"  {label,-32} {Percentiles.Of(run.Samples).Format("ms")}  {run.Samples.Count / run.Elapsed.TotalSeconds:N0} events/s");

    /// <summary>LiteDB's own commit: the log pages are queued for its writer thread, nothing is synced.</summary>
    private static async Task<(List<double>, TimeSpan)> CommitOnlyAsync(int events, int doors)
    {
        using var directory = new ScratchDirectory();
        using var file = LiteDbFile.Open(Path.Combine(directory.Path, "outbox.db"));
        var collection = file.Database.GetCollection("events");
        var sync = new Lock();
        return await MeasureAsync(events, doors, _ =>
        {
            lock (sync)
            {
                collection.Insert(new BsonDocument { ["_id"] = Guid.CreateVersion7(), ["kind"] = "access_decision", ["door"] = "front" });
            }

            return Task.CompletedTask;
        });
    }

    private static async Task<(List<double>, TimeSpan)> OutboxAsync(int events, int doors, int maxBatch)
    {
        using var directory = new ScratchDirectory();
        using var outbox = EventOutbox.Open(Path.Combine(directory.Path, "outbox.db"), new OutboxOptions { MaxBatch = maxBatch }, TimeProvider.System,
            NullLogger<EventOutbox>.Instance);
        await outbox.StartAsync(CancellationToken.None);
        var result = await MeasureAsync(events, doors, i => outbox.AppendAsync(
            new EdgeEvent(EdgeEventKind.AccessDecision, TimeProvider.System.GetUtcNow(), $"door-{i % doors}") { Reason = DecisionReason.Granted },
            CancellationToken.None));
        await outbox.StopAsync(CancellationToken.None);
        return result;
    }

    private static async Task<(List<double>, TimeSpan)> AccessPathAsync(int events, int doors)
    {
        var now = new DateTimeOffset(2025, 6, 4, 10, 0, 0, TimeSpan.Zero);
        var data = new EdgeData(100_000, 200, now);
        using var directory = new ScratchDirectory();
        using var cache = EdgeData.OpenCache(directory.Path);
        cache.ApplySnapshot(data.Snapshot());
        using var outbox = EventOutbox.Open(Path.Combine(directory.Path, "outbox.db"), new OutboxOptions(), TimeProvider.System, NullLogger<EventOutbox>.Instance);
        await outbox.StartAsync(CancellationToken.None);
        using var registry = new DoorRegistry(cache, outbox, TimeProvider.System, NullLoggerFactory.Instance);
        for (var d = 0; d < 200; d++)
        {
            registry.AddDoor(new NoHardware(EdgeData.DoorId(d)));
        }

        var access = new AccessService(new DecisionEngine(cache), new PinAttemptLimiter(new PinLimitOptions(), TimeProvider.System), outbox, registry,
            TimeProvider.System, NullLogger<AccessService>.Instance);
        var presentations = data.Presentations(events, seed: 11);
        var result = await MeasureAsync(events, doors, i => access.HandleAsync(presentations[i], CancellationToken.None));
        await outbox.StopAsync(CancellationToken.None);
        return result;
    }

    private static async Task<(List<double>, TimeSpan)> MeasureAsync(int events, int doors, Func<int, Task> record)
    {
        for (var i = 0; i < 50; i++)
        {
            await record(i);
        }

        var samples = new List<double>(events);
        var next = -1;
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, doors).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < events)
            {
                var start = Stopwatch.GetTimestamp();
                await record(i);
                var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                lock (samples)
                {
                    samples.Add(elapsed);
                }
            }
        })));
        total.Stop();
        return (samples, total.Elapsed);
    }

    /// <summary>A door whose strike answers at once, so the figures are the edge's own.</summary>
    private sealed class NoHardware(string doorId) : IDoorHardware
    {
        public event EventHandler<DoorSignal>? SignalReceived
        {
            add { }
            remove { }
        }

        public string DoorId { get; } = doorId;

        public bool? ContactOpen => null;

        public Task ReleaseAsync(TimeSpan duration, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task HoldReleasedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task SecureAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
