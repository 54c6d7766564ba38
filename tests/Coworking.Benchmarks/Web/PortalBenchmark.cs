using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Coworking.Benchmarks.Support;
using Coworking.Hub;
using Coworking.Hub.Auth;
using Coworking.Hub.Organisations;
using Coworking.Testing;
using Coworking.Testing.Sync;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Benchmarks.Web;

/// <summary>
/// portal: (1) render time of the member portal's availability page (/portal/book, the whole HTTP answer, Kestrel
/// in-process, real PostgreSQL) for one location with R hot desks and a day of bookings on a third of them, one request
/// at a time after a warm-up; (2) the live availability stream: C Server-Sent Events clients on one hub process (the
/// hub as ./run.sh starts it, its own process, so its resident memory is its own) and B bookings inserted one a second:
/// how long from each booking's INSERT until each client reads its event, and the hub's memory with every stream open.
///   dotnet run -c Release --project tests/Coworking.Benchmarks -- portal [--resources 500] [--requests 200] [--clients 1000] [--bookings 20]
/// </summary>
public static class PortalBenchmark
{
    /// <summary>When the latest booking's INSERT was sent (Stopwatch ticks): each event read is timed from it.</summary>
    private static long lastInsert;

    public static async Task<int> RunAsync(string[] args)
    {
        var resources = Option(args, "--resources", 500);
        var requests = Option(args, "--requests", 200);
        var clients = Option(args, "--clients", 1000);
        var bookings = Option(args, "--bookings", 20);
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync("bench_portal");
        await using var hub = HubApp.Build(
            ["--urls", "http://127.0.0.1:0", .. PostgresServer.HubSettings(connectionString), "--Serilog:MinimumLevel:Default=Warning", "--Billing:RunSchedules=false"]);
        await hub.StartAsync();
        var org = await hub.Services.GetRequiredService<OrganisationStore>().CreateAsync(
            "Benchmark", new BootstrapAdmin("owner@portal-bench.coworking.test", "portal-bench-pass-1"), CancellationToken.None);
        var (memberId, locationId) = await SeedAsync(connectionString, org.OrganisationId, resources);
        var session = await hub.Services.GetRequiredService<SessionStore>().IssueAsync(
            org.OrganisationId, new Actor(ActorKind.Member, memberId), "127.0.0.1", "portal-benchmark", CancellationToken.None);

        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        System.Console.WriteLine($"portal: {resources} hot desks, {Environment.ProcessorCount} cores, load average {load} at the start");
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        using (var http = Client(new Uri(hub.Urls.Single()), session.Token))
        {
            var path = $"/portal/book?location={locationId}&kind=hot_desk&date={today}";
            for (var i = 0; i < 10; i++)
            {
                await RenderAsync(http, path);
            }

            var samples = new List<double>(requests);
            for (var i = 0; i < requests; i++)
            {
                samples.Add(await RenderAsync(http, path));
            }

            System.Console.WriteLine($"  availability page, one day, {resources} desks  {Percentiles.Of(samples).Format("ms")}");
        }

        await hub.StopAsync();
        await using var live = await HubInstance.StartAsync(connectionString, ["--Serilog:MinimumLevel:Default=Warning", "--Billing:RunSchedules=false"]);
        await StreamsAsync(live, connectionString, session.Token, org.OrganisationId, memberId, locationId, clients, bookings);
        return 0;
    }

    private static async Task StreamsAsync(
        HubInstance hub, string connectionString, string token, Guid organisationId, Guid memberId, Guid locationId, int clients, int bookings)
    {
        var idleRss = Rss(hub.Pid);
        using var http = Client(hub.ApiUrl, token);
        http.Timeout = Timeout.InfiniteTimeSpan;
        var received = new ConcurrentBag<double>();
        using var stop = new CancellationTokenSource();
        var connected = new CountdownEvent(clients);
        var readers = Enumerable.Range(0, clients).Select(_ => Task.Run(() => ReadAsync(http, locationId, connected, received, stop.Token))).ToList();
        if (!connected.Wait(TimeSpan.FromMinutes(3)))
        {
            throw new InvalidOperationException($"only {clients - connected.CurrentCount} of {clients} streams connected");
        }

        var openRss = Rss(hub.Pid);
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        var resourceIds = new List<Guid>();
        await using (var list = new NpgsqlCommand("SELECT id FROM resources WHERE location_id = @location ORDER BY name LIMIT @n", conn))
        {
            list.Parameters.AddWithValue("location", locationId);
            list.Parameters.AddWithValue("n", bookings);
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                resourceIds.Add(reader.GetGuid(0));
            }
        }

        for (var i = 0; i < resourceIds.Count; i++)
        {
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO bookings (id, organisation_id, location_id, resource_id, resource_kind, kind, member_id, starts_at, ends_at, booked_by, booked_by_kind, on_behalf, created_at, updated_at)
                VALUES (gen_random_uuid(), @organisation, @location, @resource, 'hot_desk', 'member', @member,
                        date_trunc('day', now()) + interval '2 days', date_trunc('day', now()) + interval '2 days 8 hours', @member, 'member', false, now(), now())
                """,
                conn);
            insert.Parameters.AddWithValue("organisation", organisationId);
            insert.Parameters.AddWithValue("location", locationId);
            insert.Parameters.AddWithValue("resource", resourceIds[i]);
            insert.Parameters.AddWithValue("member", memberId);
            var before = received.Count;
            var started = Stopwatch.GetTimestamp();
            Volatile.Write(ref lastInsert, started);
            await insert.ExecuteNonQueryAsync();
            var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 10);
            while (received.Count < before + clients && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(10);
            }

            await Task.Delay(1000);
        }

        var peakRss = Rss(hub.Pid);
        await stop.CancelAsync();
        await Task.WhenAll(readers.Select(r => r.ContinueWith(_ => { }, TaskScheduler.Default)));
        var expected = (long)clients * resourceIds.Count;
        System.Console.WriteLine(
            $"  {clients} SSE streams, {resourceIds.Count} bookings one a second: {received.Count} of {expected} events, booking INSERT to event read " +
            Percentiles.Of([.. received]).Format("ms"));
        System.Console.WriteLine($"  hub resident memory: {idleRss / 1048576.0:F0} MiB before the streams, {openRss / 1048576.0:F0} MiB with {clients} open, {peakRss / 1048576.0:F0} MiB after the bookings");
    }

    private static async Task ReadAsync(
        HttpClient http, Guid locationId, CountdownEvent connected, ConcurrentBag<double> received, CancellationToken token)
    {
        try
        {
            using var response = await http.GetAsync(new Uri($"/portal/live/availability?location={locationId}", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, token);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(token);
            using var reader = new StreamReader(body);
            var first = true;
            while (await reader.ReadLineAsync(token) is { } line)
            {
                if (first)
                {
                    first = false;
                    connected.Signal();
                }

                if (line == "event: bookings")
                {
                    received.Add(Stopwatch.GetElapsedTime(Volatile.Read(ref lastInsert)).TotalMilliseconds);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The benchmark is over.
        }
    }

    private static HttpClient Client(Uri baseAddress, string sessionToken)
    {
        var cookies = new CookieContainer();
        cookies.Add(baseAddress, new Cookie(SessionCookie.Name, sessionToken));
        return new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, UseCookies = true, MaxConnectionsPerServer = int.MaxValue })
        {
            BaseAddress = baseAddress,
        };
    }

    private static async Task<double> RenderAsync(HttpClient http, string path)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.OK || !body.Contains("Book Desk", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}");
        }

        return elapsed;
    }

    /// <summary>Resident memory of a process, from /proc.</summary>
    private static long Rss(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
            System.Globalization.CultureInfo.InvariantCulture) * 1024;

    /// <summary>One location with R hot desks, a third of them booked 09:00–13:00 today; a member on a hot-desk tier there.</summary>
    private static async Task<(Guid Member, Guid Location)> SeedAsync(string connectionString, Guid organisationId, int resources)
    {
        var location = Guid.NewGuid();
        var member = Guid.NewGuid();
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var seed = new NpgsqlCommand(
            """
            INSERT INTO locations (id, organisation_id, name, time_zone, currency, country, created_at)
            VALUES (@location, @organisation, 'Bench House', 'Europe/London', 'GBP', 'GB', now());
            INSERT INTO areas (id, location_id, name, created_at) VALUES (@area, @location, 'Floor', now());
            INSERT INTO resources (id, location_id, area_id, name, kind, capacity, created_at)
            SELECT gen_random_uuid(), @location, @area, 'Desk ' || lpad(n::text, 3, '0'), 'hot_desk', 1, now() FROM generate_series(1, @resources) n;
            INSERT INTO tiers (id, organisation_id, name, terms, created_at, updated_at)
            VALUES (@tier, @organisation, 'Hot desk', '{"kind":"hot_desk","priceMinor":19900,"currency":"GBP","billingInterval":"monthly","access":"all_hours"}', now(), now());
            INSERT INTO members (id, organisation_id, name, email, status, home_location_id, created_at, updated_at)
            VALUES (@member, @organisation, 'Bench Member', 'member@portal-bench.example', 'active', @location, now(), now());
            INSERT INTO memberships (member_id, tier_id, channel, joined_at, period_start, period_end, updated_at)
            VALUES (@member, @tier, 'website', now(), now(), now() + interval '30 days', now());
            INSERT INTO bookings (id, organisation_id, location_id, resource_id, resource_kind, kind, member_id, starts_at, ends_at, booked_by, booked_by_kind, on_behalf, created_at, updated_at)
            SELECT gen_random_uuid(), @organisation, @location, r.id, 'hot_desk', 'member', @member,
                   date_trunc('day', now()) + interval '9 hours', date_trunc('day', now()) + interval '13 hours', @member, 'member', false, now(), now()
            FROM (SELECT id, row_number() OVER (ORDER BY name) AS n FROM resources WHERE location_id = @location) r WHERE r.n % 3 = 0;
            ANALYZE;
            """,
            conn);
        seed.Parameters.AddWithValue("location", location);
        seed.Parameters.AddWithValue("area", Guid.NewGuid());
        seed.Parameters.AddWithValue("tier", Guid.NewGuid());
        seed.Parameters.AddWithValue("member", member);
        seed.Parameters.AddWithValue("organisation", organisationId);
        seed.Parameters.AddWithValue("resources", resources);
        await seed.ExecuteNonQueryAsync();
        return (member, location);
    }

    private static int Option(string[] args, string name, int fallback) =>
        args.SkipWhile(a => a != name).Skip(1).Select(int.Parse).FirstOrDefault(fallback);
}
