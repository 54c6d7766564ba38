using System.Globalization;
using Coworking.Edge.Cache;
using Coworking.Edge.Configuration;
using Coworking.Edge.CrashWriter;
using Coworking.Edge.Outbox;
using Microsoft.Extensions.Logging.Abstractions;

// Usage: coworking-edge-crashwriter <data directory>
// Applies CrashScenario batches to the grant cache and appends events to the outbox as fast as it
// can, until it is killed. Prints one line per durable fact, only after it is durable:
//   "S <seq>"         the cache applied the batch ending at seq
//   "W <event id>"    the outbox recorded the event
//   "a <ids...>"      about to acknowledge these events (so they may be gone)
// Each line ends with " ." so a line cut by the kill is recognisable.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: coworking-edge-crashwriter <data directory>");
    return 2;
}

var directory = args[0];
using var cache = GrantCache.Open(Path.Combine(directory, "cache.db"), TimeProvider.System, NullLogger<GrantCache>.Instance);

// Rewrites of the file from the index every few hundred batches, so kills land inside them too.
cache.RewriteAfterChanges = 3000;
using var outbox = EventOutbox.Open(Path.Combine(directory, "outbox.db"), new OutboxOptions { MaxBatch = 64, SegmentSize = 100 }, TimeProvider.System,
    NullLogger<EventOutbox>.Instance);
await outbox.StartAsync(CancellationToken.None);
Say($"ready {cache.AppliedSeq}");

var apply = Task.Run(() =>
{
    while (true)
    {
        var next = (CrashScenario.BatchEndingAt(cache.AppliedSeq) ?? throw new InvalidOperationException("cache is not at a batch end")) + 1;
        var result = cache.Apply(CrashScenario.Batch(next));
        if (result.Outcome != ApplyOutcome.Applied)
        {
            throw new InvalidOperationException($"batch {next} was {result.Outcome}");
        }

        Say($"S {result.AppliedSeq}");
    }
});

var appenders = Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
{
    for (var n = 0; ; n++)
    {
        var id = await outbox.AppendAsync(
            new EdgeEvent(EdgeEventKind.DoorOpened, TimeProvider.System.GetUtcNow(), $"door-{writer}") { ReaderId = $"n{n}" },
            CancellationToken.None);
        Say($"W {id:N}");
    }
}));

var acknowledger = Task.Run(async () =>
{
    while (true)
    {
        await Task.Delay(5);
        var ids = outbox.ReadBatch(32).Select(e => e.Id).ToList();
        if (ids.Count > 0)
        {
            Say("a " + string.Join(' ', ids.Select(id => id.ToString("N"))));
            outbox.Acknowledge(ids);
        }
    }
});

var failed = await Task.WhenAny([apply, acknowledger, .. appenders]);
Console.Error.WriteLine(failed.Exception?.ToString() ?? "a writer stopped");
return 1;

static void Say(string line) => Console.Out.WriteLine(line + " .");
