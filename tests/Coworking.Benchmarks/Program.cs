
// Benchmarks are not tests: each verb measures one thing and prints its figures.
// Latest results with the command and the machine go to docs/BENCHMARKS.md.
var verbs = new SortedDictionary<string, Func<string[], Task<int>>>(StringComparer.Ordinal)
{
    ["api-members"] = Coworking.Benchmarks.Api.ApiMembersBenchmark.RunAsync,
    ["login"] = Coworking.Benchmarks.Auth.LoginBenchmark.RunAsync,
    ["bookings"] = Coworking.Benchmarks.Bookings.BookingsBenchmark.RunAsync,
    ["billing"] = Coworking.Benchmarks.Billing.BillingRunBenchmark.RunAsync,
    ["console"] = Coworking.Benchmarks.Web.ConsoleBenchmark.RunAsync,
    ["console-alarm"] = Coworking.Benchmarks.Web.DoorAlarmLatencyBenchmark.RunAsync,
    ["portal"] = Coworking.Benchmarks.Web.PortalBenchmark.RunAsync,
    ["osdp"] = Coworking.Benchmarks.Osdp.OsdpBenchmark.RunAsync,
    ["edge-apply"] = Coworking.Benchmarks.Edge.EdgeApplyBenchmark.RunAsync,
    ["edge-door"] = Coworking.Benchmarks.Edge.EdgeDoorBenchmark.RunAsync,
    ["edge-decide"] = Coworking.Benchmarks.Edge.EdgeDecideBenchmark.RunAsync,
    ["edge-outbox"] = Coworking.Benchmarks.Edge.EdgeOutboxBenchmark.RunAsync,
    ["edge-memory"] = Coworking.Benchmarks.Edge.EdgeMemoryBenchmark.RunAsync,
    ["kisi-reconcile"] = Coworking.Benchmarks.Bridges.KisiReconcileBenchmark.RunAsync,
    ["sync-snapshot"] = Coworking.Benchmarks.Sync.SyncBenchmarks.SnapshotAsync,
    ["sync-catchup"] = Coworking.Benchmarks.Sync.SyncBenchmarks.CatchUpAsync,
    ["sync-latency"] = Coworking.Benchmarks.Sync.SyncBenchmarks.LatencyAsync,
    ["sync-upload"] = Coworking.Benchmarks.Sync.SyncBenchmarks.UploadAsync,
    ["sensors-mqtt"] = Coworking.Benchmarks.Sensors.MqttIngestBenchmark.RunAsync,
    ["sensors-rollup"] = Coworking.Benchmarks.Sensors.UtilisationBenchmarks.RollupAsync,
    ["sensors-heatmap"] = Coworking.Benchmarks.Sensors.UtilisationBenchmarks.HeatmapAsync,
    ["reports"] = Coworking.Benchmarks.Reports.ReportsBenchmark.RunAsync,
};

if (args.Length == 0 || !verbs.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project tests/Coworking.Benchmarks -- <verb> [options]");
    Console.Error.WriteLine("verbs: " + string.Join(", ", verbs.Keys));
    return 2;
}

return await run(args[1..]);
