using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Coworking.Benchmarks.Edge;
using Coworking.Benchmarks.Support;
using Coworking.Hub;
using Coworking.Hub.Database;
using Coworking.Hub.EdgeSync;
using Coworking.Hub.Organisations;
using Coworking.Proto.V1;
using Coworking.Testing;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Benchmarks.Sensors;

/// <summary>
/// The hub's side of the sensors, through the real hub (Kestrel in-process, real PostgreSQL, row-level security on):
///   sensors-rollup [--resources 500] [--seconds 180] [--interval 00:01:00]
///     one occupancy change a second, each for a resource not yet occupied, stored by the edges' intake as an upload
///     does; the time from the intake's commit until the rollup (its timer at --interval, the hub's default 1 min) has
///     the resource's quarter occupied, p50/p95/p99.
///   sensors-heatmap [--resources 500] [--samples 50000000] [--runs 3]
///     one location of 500 resources in 10 areas, a year of samples seeded in SQL (generate_series: each resource
///     changes state every 365 days / (samples / resources)), their quarters counted from them in one set-based
///     statement, then the year's heatmap through the API, once to warm up and --runs times.
/// </summary>
internal static class UtilisationBenchmarks
{
    private static readonly DateTimeOffset QuarterOrigin = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<int> RollupAsync(string[] args)
    {
        var resources = Options.Int(args, "--resources", 500);
        var seconds = Options.Int(args, "--seconds", 180);
        var interval = TimeSpan.Parse(Options.Text(args, "--interval") ?? "00:01:00", CultureInfo.InvariantCulture);
        await using var site = await SiteAsync(resources, $"--Sensors:RollupInterval={interval:c}");
        var intake = site.Hub.Services.GetRequiredService<EventIntake>();
        var edge = new EdgeIdentity(Guid.NewGuid(), site.OrganisationId, site.LocationId);
        Console.WriteLine($"sensors-rollup: {resources} resources, one occupancy change a second for {seconds} s, rollup every {interval:c}; {Environment.ProcessorCount} cores, load average {LoadAverage()}");

        var pending = new Dictionary<Guid, long>();
        var latencies = new List<double>();
        var order = site.Resources.OrderBy(_ => Random.Shared.Next()).Take(Math.Min(seconds, site.Resources.Count)).ToList();
        var watch = Task.Run(async () =>
        {
            await using var conn = new NpgsqlConnection(site.SystemConnectionString);
            await conn.OpenAsync();
            while (true)
            {
                Guid[] waiting;
                lock (pending)
                {
                    waiting = [.. pending.Keys];
                    if (waiting.Length == 0 && latencies.Count == order.Count)
                    {
                        return;
                    }
                }

                if (waiting.Length > 0)
                {
                    await using var cmd = new NpgsqlCommand(
                        "SELECT DISTINCT resource_id FROM utilisation_quarters WHERE location_id = @location AND resource_id = ANY(@waiting) AND occupied_s > 0", conn);
                    cmd.Parameters.AddWithValue("location", site.LocationId);
                    cmd.Parameters.AddWithValue("waiting", waiting);
                    await using var reader = await cmd.ExecuteReaderAsync();
                    var seen = Stopwatch.GetTimestamp();
                    while (await reader.ReadAsync())
                    {
                        lock (pending)
                        {
                            if (pending.Remove(reader.GetGuid(0), out var stored))
                            {
                                latencies.Add(Stopwatch.GetElapsedTime(stored, seen).TotalMilliseconds);
                            }
                        }
                    }
                }

                await Task.Delay(50);
            }
        });

        foreach (var resource in order)
        {
            var change = new ReportedEvent
            {
                EventId = Guid.CreateVersion7().ToString(),
                Kind = ReportedEventKind.OccupancyChanged,
                OccurredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                Occupancy = new OccupancyReport { ResourceId = resource.Id.ToString(), AreaId = resource.AreaId.ToString(), Occupied = true, Count = -1 },
            };
            using (TenantScope.System("benchmark: an edge's upload"))
            {
                await intake.StoreAsync(edge, [change], CancellationToken.None);
            }

            lock (pending)
            {
                pending[resource.Id] = Stopwatch.GetTimestamp();
            }

            await Task.Delay(1000);
        }

        await watch.WaitAsync(interval * 3 + TimeSpan.FromMinutes(2));
        Console.WriteLine($"  sample stored → its quarter occupied in utilisation_quarters: {Percentiles.Of(latencies).Format(" ms")}");
        return 0;
    }

    public static async Task<int> HeatmapAsync(string[] args)
    {
        var resources = Options.Int(args, "--resources", 500);
        var samples = long.Parse(Options.Text(args, "--samples") ?? "50000000", CultureInfo.InvariantCulture);
        var runs = Options.Int(args, "--runs", 3);
        await using var site = await SiteAsync(resources, "--Sensors:RollupInterval=1.00:00:00");
        var perResource = samples / resources;
        var last = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
        var first = last.AddDays(-364);
        var start = new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var stepSeconds = 365.0 * 86400 / perResource;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sensors-heatmap: {resources} resources, {perResource * resources:N0} samples over {first:yyyy-MM-dd}..{last:yyyy-MM-dd} (a change every {stepSeconds:F0} s each); {Environment.ProcessorCount} cores, load average {LoadAverage()}"));

        await using var conn = new NpgsqlConnection(site.SystemConnectionString);
        await conn.OpenAsync();
        var seeding = Stopwatch.StartNew();
        await ExecuteAsync(conn, "SELECT sensor_samples_partition(m) FROM generate_series(@start, @start + interval '13 months', interval '1 month') AS m", ("start", start));
        const int Batch = 50;
        for (var from = 0; from < resources; from += Batch)
        {
            await ExecuteAsync(
                conn,
                """
                INSERT INTO sensor_samples (organisation_id, location_id, edge_id, event_id, resource_id, area_id, occupied, occurred_at, received_at)
                SELECT r.organisation_id, r.location_id, 'bench-edge', r.n || '-' || i, r.id, r.area_id, i % 2 = 0, t, t
                FROM (SELECT x.id, x.area_id, x.location_id, l.organisation_id, row_number() OVER (ORDER BY x.id) - 1 AS n
                      FROM resources x JOIN locations l ON l.id = x.location_id WHERE x.location_id = @location) r
                CROSS JOIN generate_series(0, @per - 1) AS i
                CROSS JOIN LATERAL (SELECT @start + ((i * @step) + ((r.n * 7) % 300)) * interval '1 second' AS t) at
                WHERE r.n >= @from AND r.n < @from + @batch
                """,
                ("location", site.LocationId), ("per", perResource), ("start", start), ("step", stepSeconds), ("from", (long)from), ("batch", (long)Batch));
            Console.WriteLine($"  samples of resources {from}..{Math.Min(resources, from + Batch) - 1} stored ({seeding.Elapsed.TotalSeconds:F0} s)");
        }

        await ExecuteAsync(
            conn,
            """
            WITH s AS (
                SELECT resource_id, occurred_at, occupied, lead(occurred_at) OVER (PARTITION BY resource_id ORDER BY occurred_at, event_id) AS until
                FROM sensor_samples WHERE location_id = @location
            ), pieces AS (
                SELECT s.resource_id, q, extract(epoch FROM least(s.until, q + interval '15 minutes') - greatest(s.occurred_at, q)) AS seconds
                FROM s CROSS JOIN LATERAL generate_series(date_bin('15 minutes', s.occurred_at, @origin), s.until, interval '15 minutes') AS q
                WHERE s.occupied AND s.until IS NOT NULL AND q < s.until
            )
            INSERT INTO utilisation_quarters (organisation_id, location_id, resource_id, quarter, occupied_s, booked_s)
            SELECT @organisation, @location, resource_id, q, least(900, round(sum(seconds)))::int, 0 FROM pieces GROUP BY resource_id, q
            HAVING round(sum(seconds)) > 0
            """,
            ("location", site.LocationId), ("organisation", site.OrganisationId), ("origin", QuarterOrigin));
        await ExecuteAsync(conn, "ANALYZE sensor_samples; ANALYZE utilisation_quarters");
        var counts = await ScalarAsync(conn, "SELECT (SELECT count(*) FROM sensor_samples) || ' samples, ' || (SELECT count(*) FROM utilisation_quarters) || ' quarters'");
        Console.WriteLine($"  seeded in {seeding.Elapsed.TotalSeconds:F0} s: {counts}; load average {LoadAverage()}");

        var path = $"/api/v1/locations/{site.LocationId}/utilisation/heatmap?from={first:yyyy-MM-dd}&to={last:yyyy-MM-dd}";
        var times = new List<double>();
        for (var run = 0; run <= runs; run++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await site.Http.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            clock.Stop();
            if (!response.IsSuccessStatusCode)
            {
                Console.WriteLine($"  heatmap: {(int)response.StatusCode} {body}");
                return 1;
            }

            if (run == 0)
            {
                using var json = JsonDocument.Parse(body);
                var occupied = json.RootElement.GetProperty("cells").EnumerateArray().Sum(c => c.GetProperty("occupiedMinutes").GetDouble());
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  warm-up {clock.Elapsed.TotalMilliseconds:F0} ms, {occupied:N0} occupied minutes in the 168 cells"));
            }
            else
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        times.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  heatmap of the year: min {times[0]:F0} ms, median {times[times.Count / 2]:F0} ms, max {times[^1]:F0} ms; load average {LoadAverage()}"));
        return 0;
    }

    private static async Task<Site> SiteAsync(int resources, string setting)
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync("bench_sensors");
        var hub = HubApp.Build(["--urls", "http://127.0.0.1:0", .. PostgresServer.HubSettings(connectionString), "--Serilog:MinimumLevel:Default=Warning", setting]);
        await hub.StartAsync();
        var org = await hub.Services.GetRequiredService<OrganisationStore>().CreateAsync("Benchmark", null, CancellationToken.None);
        var http = new HttpClient { BaseAddress = new Uri(hub.Urls.Single()), Timeout = TimeSpan.FromMinutes(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", org.ApiKey);
        var location = await PostAsync(http, "/api/v1/locations", new { name = "Canal Street", timeZone = "Europe/London", currency = "GBP", country = "GB" });
        var areas = new List<Guid>();
        for (var a = 0; a < 10; a++)
        {
            areas.Add(await PostAsync(http, $"/api/v1/locations/{location}/areas", new { name = $"Floor {a + 1}" }));
        }

        string[] kinds = ["hot_desk", "hot_desk", "dedicated_desk", "meeting_room", "phone_booth"];
        var made = new List<(Guid Id, Guid AreaId)>();
        for (var r = 0; r < resources; r++)
        {
            var area = areas[r % areas.Count];
            var id = await PostAsync(http, $"/api/v1/locations/{location}/resources", new { areaId = area, name = $"Space {r + 1}", kind = kinds[r % kinds.Length], capacity = 1 });
            await PostAsync(http, $"/api/v1/locations/{location}/sensors", new { name = $"presence {r + 1}", kind = "presence", adapter = "zigbee2mqtt", topic = $"zigbee2mqtt/space-{r + 1}", resourceId = id });
            made.Add((id, area));
        }

        var system = new NpgsqlConnectionStringBuilder(connectionString) { Options = "-c coworking.system=on", CommandTimeout = 0 }.ConnectionString;
        return new Site(hub, http, org.OrganisationId, location, [.. made.Select(m => new Space(m.Id, m.AreaId))], system);
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, string sql, params (string Name, object Value)[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }

        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<string> ScalarAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task<Guid> PostAsync(HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("id").GetGuid();
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private sealed record Space(Guid Id, Guid AreaId);

    private sealed record Site(WebApplication Hub, HttpClient Http, Guid OrganisationId, Guid LocationId, IReadOnlyList<Space> Resources, string SystemConnectionString) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Hub.StopAsync();
            await Hub.DisposeAsync();
        }
    }
}
