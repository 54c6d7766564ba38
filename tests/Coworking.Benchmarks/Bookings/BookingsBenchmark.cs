using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Coworking.Benchmarks.Api;
using Coworking.Benchmarks.Support;
using Coworking.Hub.Bookings;
using Coworking.Testing;
using Coworking.Testing.Sync;
using Npgsql;

namespace Coworking.Benchmarks.Bookings;

/// <summary>
/// bookings: through the real hub (its own process, real PostgreSQL), at one location with N resources:
/// (1) booking creation across distinct resources with C concurrent clients — rate and latency;
/// (2) 500 concurrent requests for one resource and slot — the answers and how long they took;
/// (3) availability of the location over a day with every resource partly booked, the full answer and ?fields=free — latency.
///   dotnet run -c Release --project tests/Coworking.Benchmarks -- bookings [--resources 500] [--bookings 3000] [--clients 8] [--members 500] [--warm-up 5000] [--contenders 500] [--queries 300]
/// </summary>
public static class BookingsBenchmark
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    /// <summary>The hub's JSON: web defaults, enums in snake_case.</summary>
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var resources = Option(args, "--resources", 500);
        var bookings = Option(args, "--bookings", 3000);
        var clients = Option(args, "--clients", 8);
        var contenders = Option(args, "--contenders", 500);
        var queries = Option(args, "--queries", 300);
        var bookers = Option(args, "--members", 500);
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync("bench_bookings");
        var bootstrap = await ProgramRun.RunAsync("hub/Coworking.Hub", "coworking-hub", ["bootstrap", "--org", "Benchmark", .. PostgresServer.HubSettings(connectionString)]);
        if (bootstrap.ExitCode != 0)
        {
            throw new InvalidOperationException($"hub bootstrap failed: {bootstrap.Stderr}");
        }

        var apiKey = JsonDocument.Parse(bootstrap.Stdout).RootElement.GetProperty("apiKey").GetString()!;
        // The dev mailbox stands in for an SMTP relay. It goes on tmpfs where there is one: on this box's /tmp, after
        // many runs had created and deleted their mailboxes, ext4 spent 38% of the hub's CPU looking for a free inode
        // for each new message file (perf: find_inode_bit, recently_deleted), a cost no relay would charge.
        var mailbox = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"bench-mailbox-{Guid.NewGuid():N}");

        // The hub runs as its own process, as it is deployed (its runtime settings, server GC), on the same two cores.
        await using var hub = await HubInstance.StartAsync(
            connectionString, ["--environment=Production", "--Serilog:MinimumLevel:Default=Warning", $"--Mail:PickupDirectory={mailbox}"]);

        // The client shares the two cores with the hub: a lean handler (no proxy lookup, cookies or decompression,
        // connections kept alive) and bodies serialised before the clock starts keep its share small.
        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(clients, contenders),
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        })
        { BaseAddress = hub.ApiUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);

        var location = await PostAsync(http, "/api/v1/locations", new { name = "Bench House", timeZone = "Europe/London", currency = "GBP", country = "GB" });
        var area = await PostAsync(http, $"/api/v1/locations/{location}/areas", new { name = "Floor" });
        await PostAsync(http, $"/api/v1/locations/{location}/doors", new { areaId = area, name = "Door" });
        var tier = await PostAsync(http, "/api/v1/tiers", new
        {
            name = "Unlimited", terms = new { kind = "hot_desk", priceMinor = 1, currency = "GBP", billingInterval = "monthly", access = "all_hours", allSites = true },
        });
        var resourceIds = new Guid[resources];
        await Parallel.ForAsync(0, resources, new ParallelOptions { MaxDegreeOfParallelism = clients }, async (i, _) =>
            resourceIds[i] = await PostAsync(http, $"/api/v1/locations/{location}/resources", new { areaId = area, name = $"Desk {i}", kind = "hot_desk" }));
        var members = new Guid[Math.Max(contenders, bookers)];
        await Parallel.ForAsync(0, members.Length, new ParallelOptions { MaxDegreeOfParallelism = clients }, async (i, _) =>
        {
            members[i] = await PostAsync(http, "/api/v1/members", new { name = $"Member {i}", email = $"m{i}@bench.example", homeLocationId = location });
            await PostAsync(http, $"/api/v1/members/{members[i]}/membership", new { tierId = tier, channel = "website" }, expectId: false);
        });

        // Bookings start tomorrow (UTC) and go round the resources hour by hour: every request is for a distinct resource
        // and slot, member k booking desk k (as many members as desks: a handful of bookings each, as members have).
        // The warm-up books the day after, so the day whose availability is asked holds the measured bookings only. It
        // is five thousand because the hub's JIT takes that long to settle: perf showed the tiered compiler's thread
        // at 40% of the hub's CPU after a thousand (the hub then spent 4.2 ms per booking, 1.6 ms once settled), and
        // a hub in service has long settled.
        var day0 = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(2), TimeSpan.Zero);
        DateTimeOffset SlotOf(int i) => i < bookings ? day0.AddHours(i / resources) : day0.AddDays(1).AddHours((i - bookings) / resources);
        var warmUp = Option(args, "--warm-up", 5000);
        var bodies = Enumerable.Range(0, bookings + warmUp).Select(i => JsonSerializer.SerializeToUtf8Bytes(new
        {
            memberId = members[i % bookers], resourceId = resourceIds[i % resources], start = SlotOf(i), end = SlotOf(i).AddHours(1),
        })).ToArray();
        Task BookAsync(int i) => PostBytesAsync(http, "/api/v1/bookings", bodies[i]);

        await RunClientsAsync(clients, warmUp, i => BookAsync(bookings + i));
        await MailedAsync(mailbox, warmUp);

        // A new database's tables grow from nothing in the set-up and the warm-up; autovacuum's ANALYZE comes at
        // its own moment, and until it does the plans PostgreSQL caches for the prepared statements may be those of
        // empty tables (a run then read a member's bookings by scanning them all). A hub in service has statistics.
        // VACUUM too (as pgbench does before a run): else autovacuum would come to the tables the warm-up grew at a
        // moment of its own, inside the measured phase in some runs and not in others.
        await VacuumAnalyzeAsync(connectionString);
        var createCpu = await CpuMeter.StartAsync(connectionString, hub.Pid);
        var (perSecond, latency, took) = await RunClientsAsync(clients, bookings, BookAsync);

        // The confirmations are composed after the answers; waiting for them keeps their CPU in this phase's
        // figures and out of the next phases' latency.
        var mailedAfter = await MailedAsync(mailbox, warmUp + bookings);
        var (createClientMs, createHubMs, createPostgresMs) = await createCpu.StopAsync();

        var rlsRounds = Option(args, "--rls-rounds", 0);
        var rls = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
        for (var round = 0; round < 2 * rlsRounds; round++)
        {
            // On, off, on, off…: a machine whose load drifts weighs on both alike.
            var on = round % 2 == 0;
            await RowSecurityAsync(connectionString, on);
            var day = day0.AddDays(2 + round);
            var roundBodies = Enumerable.Range(0, bookings).Select(i => JsonSerializer.SerializeToUtf8Bytes(new
            {
                memberId = members[i % bookers], resourceId = resourceIds[i % resources], start = day.AddHours(i / resources), end = day.AddHours(i / resources + 1),
            })).ToArray();
            var (roundRate, _, _) = await RunClientsAsync(clients, bookings, i => PostBytesAsync(http, "/api/v1/bookings", roundBodies[i]));
            rls[on].Add(roundRate);
            await MailedAsync(mailbox, warmUp + bookings * (round + 2));
        }

        await RowSecurityAsync(connectionString, on: true);
        var contested = day0.AddDays(-1);
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new Stopwatch();
        var answers = members.Take(contenders).Select(async member =>
        {
            await go.Task;
            var started = Stopwatch.GetTimestamp();
            using var response = await http.PostAsJsonAsync("/api/v1/bookings", new { memberId = member, resourceId = resourceIds[0], start = contested, end = contested.AddHours(1) });
            return ((int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }).ToList();
        clock.Start();
        go.SetResult();
        var contention = await Task.WhenAll(answers);
        clock.Stop();

        var date = DateOnly.FromDateTime(day0.UtcDateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var fullUrl = $"/api/v1/locations/{location}/availability?date={date}";
        var compactUrl = $"{fullUrl}&fields=free";

        // Both shapes are warmed up before either is measured: the first hundred or so queries also pay for the JIT's
        // tiering, which would otherwise land on whichever shape came first.
        await AvailabilityAsync(http, fullUrl, 100, connectionString, hub.Pid);
        await AvailabilityAsync(http, compactUrl, 100, connectionString, hub.Pid);
        var full = await AvailabilityAsync(http, fullUrl, queries, connectionString, hub.Pid);
        var compact = await AvailabilityAsync(http, compactUrl, queries, connectionString, hub.Pid);
        var writing = WritingCost(await http.GetFromJsonAsync<AvailabilityResponse>(fullUrl, WebJson) ?? throw new InvalidOperationException("no availability"));
        // The hub is stopped first: the one booking of the contended slot may still be having its e-mail written.
        await hub.DisposeAsync();
        if (Directory.Exists(mailbox))
        {
            Directory.Delete(mailbox, recursive: true);
        }

        Console.WriteLine($"bookings: {resources} resources at one location, {Environment.ProcessorCount} cores");
        Console.WriteLine($"  create, {clients} clients, distinct resources: {perSecond,7:F0} bookings/s  latency {latency.Format("ms")}");
        Console.WriteLine(
            $"    CPU/booking {createHubMs / bookings:F2} ms hub (confirmation e-mail included) + {createPostgresMs / bookings:F2} ms PostgreSQL + {createClientMs / bookings:F2} ms HTTP client; " +
            $"last confirmation written {mailedAfter.TotalMilliseconds:F0} ms after the last answer");
        Console.WriteLine(
            $"    counting until the last confirmation was written: {bookings / (took + mailedAfter).TotalSeconds:F0} bookings/s (what the box sustains with the e-mails)");
        var created = contention.Count(a => a.Item1 == 201);
        var conflicts = contention.Count(a => a.Item1 == 409);
        Console.WriteLine(
            $"  {contenders} concurrent requests for one slot: {created} x 201, {conflicts} x 409, {contenders - created - conflicts} other; " +
            $"all answered in {clock.Elapsed.TotalMilliseconds:F0} ms; latency {Percentiles.Of(contention.Select(a => a.Item2).ToList()).Format("ms")}");
        foreach (var (shape, answer) in new[] { ("full answer", full), ("?fields=free", compact) })
        {
            Console.WriteLine($"  availability of {resources} resources over a day ({bookings / resources} bookings each), {shape} ({answer.Bytes / 1024.0:F0} KiB): latency {answer.Latency.Format("ms")}");
            Console.WriteLine($"    CPU/query {answer.HubMs / queries:F2} ms hub + {answer.PostgresMs / queries:F2} ms PostgreSQL + {answer.ClientMs / queries:F2} ms HTTP client");
        }

        if (rlsRounds > 0)
        {
            Console.WriteLine(
                $"  row-level security, {rlsRounds} round(s) of {bookings} each way: on {rls[true].Average(),7:F0} bookings/s ({string.Join(", ", rls[true].Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))}), " +
                $"off {rls[false].Average(),7:F0} bookings/s ({string.Join(", ", rls[false].Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))}); on/off {rls[true].Average() / rls[false].Average():F3}");
        }

        Console.WriteLine(
            $"    writing the day's full answer alone, CPU per answer: {writing.SerializerMs:F2} ms with JsonSerializer (before), {writing.WriterMs:F2} ms with Utf8JsonWriter; " +
            $"?fields=free {writing.CompactMs:F2} ms");
        return 0;
    }

    /// <summary>
    /// The CPU of turning one day's availability into JSON, without HTTP or PostgreSQL: the serializer as the hub used
    /// it (web defaults, enums snake_case) against the hand-written writer, 200 times each after 50 of warm-up.
    /// </summary>
    private static (double SerializerMs, double WriterMs, double CompactMs) WritingCost(AvailabilityResponse day)
    {
        double Cost(Action<Utf8JsonWriter> write)
        {
            using var writer = new Utf8JsonWriter(Stream.Null);
            for (var i = 0; i < 50; i++)
            {
                write(writer);
                writer.Flush();
                writer.Reset();
            }

            var before = Process.GetCurrentProcess().TotalProcessorTime;
            for (var i = 0; i < 200; i++)
            {
                write(writer);
                writer.Flush();
                writer.Reset();
            }

            return (Process.GetCurrentProcess().TotalProcessorTime - before).TotalMilliseconds / 200;
        }

        return (
            Cost(writer => JsonSerializer.Serialize(writer, day, WebJson)),
            Cost(writer => AvailabilityJson.Write(writer, day, freeOnly: false)),
            Cost(writer => AvailabilityJson.Write(writer, day, freeOnly: true)));
    }

    /// <summary>Sequential GETs of one availability URL after 20 of warm-up: latency, answer size and CPU per query.</summary>
    private static async Task<(Percentiles Latency, long Bytes, double ClientMs, double HubMs, double PostgresMs)> AvailabilityAsync(
        HttpClient http, string url, int queries, string connectionString, int hubPid)
    {
        var latency = new List<double>();
        var bytes = 0L;
        CpuMeter? cpu = null;
        for (var q = 0; q < queries + 20; q++)
        {
            if (q == 20)
            {
                cpu = await CpuMeter.StartAsync(connectionString, hubPid);
            }

            var started = Stopwatch.GetTimestamp();
            using var response = await http.GetAsync(url);
            response.EnsureSuccessStatusCode();
            bytes = (await response.Content.ReadAsByteArrayAsync()).LongLength;
            if (q >= 20)
            {
                latency.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        var (clientMs, hubMs, postgresMs) = await cpu!.StopAsync();
        return (Percentiles.Of(latency), bytes, clientMs, hubMs, postgresMs);
    }

    private static async Task PostBytesAsync(HttpClient http, string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        using var response = await http.PostAsync(path, content);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>
    /// Turns the policies of every table on or off (as the superuser) for the rounds of (4). Off, the hub still sets its
    /// connection's organisation on each open (one statement): the figure is what the policies cost in PostgreSQL.
    /// </summary>
    private static async Task RowSecurityAsync(string connectionString, bool on)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var toggle = new NpgsqlCommand(
            $"""
            DO $$
            DECLARE t text;
            BEGIN
                FOR t IN SELECT DISTINCT tablename FROM pg_policies WHERE schemaname = 'public'
                LOOP
                    EXECUTE format('ALTER TABLE %I {(on ? "ENABLE" : "DISABLE")} ROW LEVEL SECURITY', t);
                END LOOP;
            END
            $$
            """, conn);
        await toggle.ExecuteNonQueryAsync();
        await using var vacuum = new NpgsqlCommand("ANALYZE", conn);
        await vacuum.ExecuteNonQueryAsync();
    }

    private static async Task VacuumAnalyzeAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var vacuum = new NpgsqlCommand("VACUUM ANALYZE", conn);
        await vacuum.ExecuteNonQueryAsync();
    }

    /// <summary>Waits until the dev mailbox holds <paramref name="count"/> messages; answers how long that took.</summary>
    private static async Task<TimeSpan> MailedAsync(string mailbox, int count)
    {
        var waited = Stopwatch.StartNew();
        while (!Directory.Exists(mailbox) || Directory.EnumerateFiles(mailbox, "*.eml").Count() < count)
        {
            if (waited.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"fewer than {count} confirmation e-mails in {mailbox} after 5 minutes");
            }

            await Task.Delay(50);
        }

        return waited.Elapsed;
    }

    private static async Task<Guid> PostAsync(HttpClient http, string path, object body, bool expectId = true)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        if (!expectId)
        {
            return Guid.Empty;
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("id").GetGuid();
    }

    private static async Task<(double PerSecond, Percentiles Latency, TimeSpan Took)> RunClientsAsync(int clients, int count, Func<int, Task> create)
    {
        var next = -1;
        var latencies = new double[count];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                var started = Stopwatch.GetTimestamp();
                await create(i);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        })));
        return (count / clock.Elapsed.TotalSeconds, Percentiles.Of(latencies), clock.Elapsed);
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
