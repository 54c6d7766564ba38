using System.Diagnostics;
using Coworking.Benchmarks.Edge;
using Coworking.Benchmarks.Support;
using Coworking.Edge.Bridges;
using Coworking.Edge.Bridges.Kisi;
using Coworking.Edge.Cache;
using Coworking.Edge.Configuration;
using Coworking.Edge.Outbox;
using Coworking.Proto.V1;
using Coworking.Testing;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Coworking.Benchmarks.Bridges;

/// <summary>
/// kisi-reconcile [--members 10000] [--rate 5] [--changes 20]
/// The edge's real Kisi bridge (its rate gate, resilience pipeline and client) against firmware-sim playing Kisi with the
/// same requests-per-second limit: how long the first reconcile of a grant cache with this many members takes, how many
/// calls it makes and whether Kisi ever answered 429; then, one at a time, a new member's grant applied to the cache and
/// the bridge nudged as the hub link does, timed until Kisi has taken the assignment (the nudged reconcile in step).
/// </summary>
internal static class KisiReconcileBenchmark
{
    private const long LockId = 101;

    public static async Task<int> RunAsync(string[] args)
    {
        var members = Options.Int(args, "--members", 10_000);
        var rate = Options.Int(args, "--rate", 5);
        var changes = Options.Int(args, "--changes", 20);
        using var directory = new ScratchDirectory();
        await using var kisi = await KisiSim.StartAsync(LockId, rate);
        var cache = EdgeData.OpenCache(directory.Path);
        var seq = 1L;
        var now = DateTimeOffset.UtcNow;
        cache.ApplySnapshot(Snapshot(members, now, ref seq));

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Edge:Bridges:Kisi:RequestsPerSecond"] = rate.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Edge:Bridges:Kisi:ReconcileSeconds"] = "86400",
        }).Build();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole())
            .AddSingleton(TimeProvider.System)
            .AddSingleton(cache)
            .AddSingleton(new EdgeOptions { DataDirectory = directory.Path })
            .AddSingleton<IEventRecorder, NoEvents>()
            .AddVendorBridges(configuration);
        await using var provider = services.BuildServiceProvider();
        var bridge = provider.GetRequiredService<KisiBridge>();
        provider.GetRequiredService<VendorAccountStore>().Replace(new VendorAccounts
        {
            Accounts = { new VendorAccount { Vendor = KisiBridge.VendorName, ApiBase = kisi.ApiBase, Secrets = { ["api_key"] = kisi.ApiKey }, Version = 1 } },
        });

        var watch = Stopwatch.StartNew();
        await bridge.StartAsync(CancellationToken.None);
        var first = await InStepAsync(bridge, null, progress: true);
        watch.Stop();
        var calls = first.Calls;
        Console.WriteLine($"first reconcile: {members:N0} members onto one Kisi account at {rate} req/s in {watch.Elapsed.TotalSeconds:N0} s, " +
            $"{calls:N0} calls = {calls / (double)members:F2} a member, {calls / watch.Elapsed.TotalSeconds:F2} calls/s, 429s at Kisi: {Counter(await kisi.StateAsync(), "rate_limited")}");

        var samples = new List<double>(changes);
        for (var i = 0; i < changes; i++)
        {
            var before = bridge.Status;
            var start = Stopwatch.GetTimestamp();
            cache.Apply(NewMember(i, now, ref seq));
            bridge.Nudge();
            await InStepAsync(bridge, before.LastReconcileAt, progress: false);
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        var state = await kisi.StateAsync();
        Console.WriteLine($"one change -> Kisi grant: {Percentiles.Of(samples).Format("ms")}; {(bridge.Status.Calls - calls) / (double)changes:F1} calls a change");
        Console.WriteLine($"at Kisi: {state.GetProperty("users").GetArrayLength():N0} users, {state.GetProperty("role_assignments").GetArrayLength():N0} assignments, " +
            $"{Counter(state, "requests"):N0} requests, {Counter(state, "rate_limited")} answered 429");
        await bridge.StopAsync(CancellationToken.None);
        cache.Dispose();
        return 0;
    }

    private static long Counter(System.Text.Json.JsonElement state, string name) => state.GetProperty(name).GetInt64();

    /// <summary>Waits for a reconcile after <paramref name="after"/> to leave the bridge in step.</summary>
    private static async Task<BridgeStatus> InStepAsync(KisiBridge bridge, DateTimeOffset? after, bool progress)
    {
        var shown = Stopwatch.StartNew();
        while (true)
        {
            var status = bridge.Status;
            if (status.State == "in_step" && status.LastReconcileAt is { } at && (after is null || at > after))
            {
                return status;
            }

            if (status.State == "failing")
            {
                throw new InvalidOperationException($"the Kisi bridge failed: {status.LastError}");
            }

            if (progress && shown.Elapsed > TimeSpan.FromSeconds(60))
            {
                Console.WriteLine($"  … {status.Calls:N0} calls, {status.QueueDepth:N0} operations left");
                shown.Restart();
            }

            await Task.Delay(progress ? 200 : 5);
        }
    }

    /// <summary>A location in UTC with one Kisi door and this many active members, each with an all-doors grant for the next month.</summary>
    private static ChangeBatch Snapshot(int members, DateTimeOffset now, ref long seq)
    {
        var batch = new ChangeBatch { LocationId = EdgeData.LocationId };
        batch.Changes.Add(new Change { Location = new LocationUpsert { LocationId = EdgeData.LocationId, Name = "Kisi building", TimeZone = "UTC" } });
        batch.Changes.Add(new Change
        {
            Door = new DoorUpsert { DoorId = "kisi-door", Name = "Kisi door", FailMode = FailMode.Secure, UnlockMs = 5000, Controller = DoorController.Kisi, VendorLockId = LockId.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        });
        for (var m = 0; m < members; m++)
        {
            batch.Changes.Add(new Change { Holder = new HolderUpsert { HolderId = $"m-{m}", Status = HolderStatus.Active } });
            batch.Changes.Add(new Change { Grant = Grant($"g-{m}", $"m-{m}", now) });
        }

        foreach (var change in batch.Changes)
        {
            change.Seq = ++seq;
        }

        batch.LastSeq = seq;
        return batch;
    }

    private static ChangeBatch NewMember(int i, DateTimeOffset now, ref long seq)
    {
        var batch = new ChangeBatch { LocationId = EdgeData.LocationId };
        batch.Changes.Add(new Change { Holder = new HolderUpsert { HolderId = $"new-{i}", Status = HolderStatus.Active }, Seq = ++seq });
        batch.Changes.Add(new Change { Grant = Grant($"new-g-{i}", $"new-{i}", now), Seq = ++seq });
        batch.LastSeq = seq;
        return batch;
    }

    private static GrantUpsert Grant(string id, string holder, DateTimeOffset now) => new()
    {
        GrantId = id,
        HolderId = holder,
        AllDoors = true,
        ValidFrom = Timestamp.FromDateTimeOffset(now.AddDays(-1)),
        ValidUntil = Timestamp.FromDateTimeOffset(now.AddDays(30)),
    };

    private sealed class NoEvents : IEventRecorder
    {
        public Task<Guid> AppendAsync(EdgeEvent edgeEvent, CancellationToken cancellationToken) => Task.FromResult(Guid.NewGuid());
    }
}
