using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Coworking.Benchmarks.Edge;
using Coworking.Benchmarks.Support;
using Coworking.Edge.Configuration;
using Coworking.Edge.Decisions;
using Coworking.Edge.Outbox;
using Coworking.Testing.Sync;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coworking.Benchmarks.Sync;

/// <summary>
/// Hub and edge as real processes over real HTTP/2 + TLS, on a private PostgreSQL (the test fixtures'
/// <see cref="SyncSite"/>). Each verb times what an operator would notice, from the edge's status page:
/// polled every 50 ms for the runs of seconds (snapshot, catch-up, upload; polling costs the edge CPU
/// too) and every 5 ms for the change latency, so each figure carries up to one poll interval of slack.
/// </summary>
internal static class SyncBenchmarks
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LatencyPoll = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// sync-snapshot [--credentials 100000]: a new edge joins a location with that many members, each with a
    /// card and a grant; time from its hello being answered to the whole snapshot applied, and its memory.
    /// </summary>
    public static async Task<int> SnapshotAsync(string[] args)
    {
        var credentials = Options.Int(args, "--credentials", 100_000);
        await using var site = await SyncSite.StartAsync(reader: false);
        await ChangeLogWriter.AppendMembersAsync(site.Api.ConnectionString, site.LocationId, credentials - 1, firstCard: 1);
        var target = await site.Api.LocationSeqAsync(site.LocationId);
        var edge = await site.EnrolAnotherEdgeAsync();

        await edge.StartAsync();
        var connected = await WaitAsync(edge, s => s.GetProperty("sync").GetProperty("connected").GetBoolean());
        var (hubCpu, edgeCpu) = (CpuSeconds(site.Hub.Pid), CpuSeconds(edge.Pid));
        var applied = await WaitAsync(edge, s => s.GetProperty("cache").GetProperty("seq").GetInt64() >= target);
        (hubCpu, edgeCpu) = (CpuSeconds(site.Hub.Pid) - hubCpu, CpuSeconds(edge.Pid) - edgeCpu);
        var status = await edge.StatusAsync();

        Console.WriteLine($"snapshot of {status.GetProperty("cache").GetProperty("credentials").GetInt32():N0} credentials " +
            $"({target:N0} log entries) to a new edge: {(applied - connected).TotalMilliseconds:N0} ms from welcome to applied");
        Console.WriteLine($"CPU meanwhile: hub {hubCpu:F1} s, edge {edgeCpu:F1} s");
        Console.WriteLine($"edge memory: peak resident {Memory(edge.Pid, "VmHWM")}, resident after {Memory(edge.Pid, "VmRSS")}");
        Console.WriteLine($"hub:  {LastLine(site.Hub.Output, "Sent edge")}");
        Console.WriteLine($"edge: {LastLine(edge.Output, "Applied a snapshot")}");
        Console.WriteLine($"edge: {LastLine(edge.Output, "Memory before the snapshot")}");
        Console.WriteLine($"edge: {LastLine(edge.Output, "Memory after the snapshot")}");
        return 0;
    }

    /// <summary>
    /// sync-catchup [--changes 10000]: the edge is stopped while the location's log grows by that many
    /// entries; time from its hello being answered again to all of them applied.
    /// </summary>
    public static async Task<int> CatchUpAsync(string[] args)
    {
        var changes = Options.Int(args, "--changes", 10_000);
        await using var site = await SyncSite.StartAsync(reader: false);
        await site.Edge.KillAsync();
        var from = await site.Api.LocationSeqAsync(site.LocationId);
        await ChangeLogWriter.AppendMembersAsync(site.Api.ConnectionString, site.LocationId, (changes + 2) / 3);
        var target = await site.Api.LocationSeqAsync(site.LocationId);

        await site.Edge.StartAsync();
        var connected = await WaitAsync(site.Edge, s => s.GetProperty("sync").GetProperty("connected").GetBoolean());
        var (hubCpu, edgeCpu) = (CpuSeconds(site.Hub.Pid), CpuSeconds(site.Edge.Pid));
        var applied = await WaitAsync(site.Edge, s => s.GetProperty("cache").GetProperty("seq").GetInt64() >= target);
        (hubCpu, edgeCpu) = (CpuSeconds(site.Hub.Pid) - hubCpu, CpuSeconds(site.Edge.Pid) - edgeCpu);

        Console.WriteLine($"catch-up of {target - from:N0} changes after an outage: {(applied - connected).TotalMilliseconds:N0} ms from welcome to applied " +
            $"({(target - from) / (applied - connected).TotalSeconds:N0} changes/s); CPU meanwhile: hub {hubCpu:F2} s, edge {edgeCpu:F2} s");
        return 0;
    }

    /// <summary>
    /// sync-latency [--trials 100] [--other-hub]: an operator suspends a member (POST …/suspend) and the edge
    /// applies it; time from the request to the edge's cache deciding with it. Each trial checks at the
    /// reader that the card is then refused, and reinstates the member (timed separately). With
    /// --other-hub two hub instances share the database and the requests go to the one the edge is not
    /// connected to, so every change travels by NOTIFY from one instance to the other.
    /// </summary>
    public static async Task<int> LatencyAsync(string[] args)
    {
        var trials = Options.Int(args, "--trials", 100);
        var otherHub = args.Contains("--other-hub");
        await using var site = await SyncSite.StartAsync(hubs: otherHub ? 2 : 1);
        if (otherHub)
        {
            var connectedTo = (await site.Edge.SyncAsync()).GetProperty("hub").GetString();
            site.Api.UseHub(site.Hubs.First(h => h.SyncUrl != connectedTo));
        }

        var suspend = new List<double>(trials);
        var reinstate = new List<double>(trials);
        var wrong = 0;
        for (var i = 0; i < trials; i++)
        {
            suspend.Add(await TimeChangeAsync(site, () => site.Api.SuspendAsync(site.AdaId)));
            wrong += await site.BadgeAsync() == "denied" ? 0 : 1;
            reinstate.Add(await TimeChangeAsync(site, () => site.Api.ReinstateAsync(site.AdaId)));
            wrong += await site.BadgeAsync() == "granted" ? 0 : 1;
        }

        Console.WriteLine($"suspend request -> edge deciding with it:   {Percentiles.Of(suspend).Format("ms")}");
        Console.WriteLine($"reinstate request -> edge deciding with it: {Percentiles.Of(reinstate).Format("ms")}");
        Console.WriteLine($"badges at the reader after each change that did not show it: {wrong} of {2 * trials}");
        return wrong == 0 ? 0 : 1;
    }

    /// <summary>
    /// sync-upload [--events 100000]: that many decisions wait in a stopped edge's outbox (an outage); time
    /// from its hello being answered to the outbox empty, every event stored by the hub; and the rate after the first
    /// tenth, once the just-started processes have compiled their upload and intake paths.
    /// </summary>
    public static async Task<int> UploadAsync(string[] args)
    {
        var events = Options.Int(args, "--events", 100_000);
        await using var site = await SyncSite.StartAsync(reader: false);
        await site.Edge.KillAsync();
        await RecordEventsAsync(site.Edge.DataDirectory, site.DoorId, events);

        await site.Edge.StartAsync();
        var connected = await WaitAsync(site.Edge, s => s.GetProperty("sync").GetProperty("connected").GetBoolean());
        var (hubCpu, edgeCpu) = (CpuSeconds(site.Hub.Pid), CpuSeconds(site.Edge.Pid));
        var tenth = await WaitAsync(site.Edge, s => s.GetProperty("outbox").GetProperty("depth").GetInt64() <= events - (events / 10));
        var uploaded = await WaitAsync(site.Edge, s => s.GetProperty("outbox").GetProperty("depth").GetInt64() == 0);
        (hubCpu, edgeCpu) = (CpuSeconds(site.Hub.Pid) - hubCpu, CpuSeconds(site.Edge.Pid) - edgeCpu);
        var stored = await site.Api.AccessEventsAsync(site.Edge.EdgeId);

        Console.WriteLine($"upload of {events:N0} events: {(uploaded - connected).TotalMilliseconds:N0} ms from welcome to all acknowledged = " +
            $"{events / (uploaded - connected).TotalSeconds:N0} events/s; hub holds {stored.Rows:N0} rows, {stored.DistinctEventIds:N0} distinct; " +
            $"CPU meanwhile: hub {hubCpu:F1} s (PostgreSQL not counted), edge {edgeCpu:F1} s");
        Console.WriteLine($"  after the first tenth (both processes' code compiled and warm): {(events - (events / 10)) / (uploaded - tenth).TotalSeconds:N0} events/s " +
            $"over {(uploaded - tenth).TotalMilliseconds:N0} ms; the first tenth took {(tenth - connected).TotalMilliseconds:N0} ms");
        return stored.Rows == events && stored.DistinctEventIds == events ? 0 : 1;
    }

    private static async Task<double> TimeChangeAsync(SyncSite site, Func<Task> change)
    {
        var start = Stopwatch.GetTimestamp();
        await change();
        var target = await site.Api.LocationSeqAsync(site.LocationId);
        while (await site.Edge.SeqAsync() < target)
        {
            await Task.Delay(LatencyPoll);
        }

        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>Polls the edge's status until <paramref name="done"/>; returns when it first was.</summary>
    private static async Task<TimeSpan> WaitAsync(EdgeInstance edge, Func<JsonElement, bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (!done(await edge.StatusAsync()))
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"edge did not get there within 5 minutes:\n{edge.Output}");
            }

            await Task.Delay(Poll);
        }

        return TimeSpan.FromTicks(Stopwatch.GetTimestamp() * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
    }

    /// <summary>User plus system CPU time of a process so far, in seconds.</summary>
    private static double CpuSeconds(int pid) => (ProcessCpu.Milliseconds(pid) ?? 0) / 1000;

    private static string Memory(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        var kib = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return $"{kib / 1024.0:N0} MiB";
    }

    private static string LastLine(string output, string containing) =>
        output.Split('\n').LastOrDefault(l => l.Contains(containing, StringComparison.Ordinal))?.Trim() ?? "(not logged)";

    private static async Task RecordEventsAsync(string dataDirectory, Guid doorId, int count)
    {
        var options = new EdgeOptions { DataDirectory = dataDirectory };
        using var outbox = EventOutbox.Open(options.OutboxPath, options.Outbox, TimeProvider.System, NullLogger<EventOutbox>.Instance);
        await outbox.StartAsync(CancellationToken.None);
        await Task.WhenAll(Enumerable.Range(0, count).Select(_ =>
            outbox.AppendAsync(new EdgeEvent(EdgeEventKind.AccessDecision, DateTimeOffset.UtcNow, doorId.ToString()) { Reason = DecisionReason.Granted }, CancellationToken.None)));
        await outbox.StopAsync(CancellationToken.None);
    }
}
