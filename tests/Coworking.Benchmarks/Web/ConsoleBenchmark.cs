using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Coworking.Benchmarks.Support;
using Coworking.Hub;
using Coworking.Hub.Organisations;
using Coworking.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Benchmarks.Web;

/// <summary>
/// console: server render time of the operator console's main pages (the whole HTTP answer, Kestrel in-process, real
/// PostgreSQL) for a signed-in organisation admin, on one location with N members (each with a membership), M bookings
/// on 50 rooms around today and K invoices: the dashboard, a member search, a member record, today's day board and the
/// invoice list (newest first, and filtered to open ones), and the members in dunning (a page of its own). Requests one
/// at a time, after a warm-up.
///   dotnet run -c Release --project tests/Coworking.Benchmarks -- console [--members 10000] [--bookings 100000] [--invoices 50000] [--requests 200]
/// </summary>
public static class ConsoleBenchmark
{
    private const string Email = "owner@bench.coworking.test";
    private const string Password = "console-bench-pass-1";

    public static async Task<int> RunAsync(string[] args)
    {
        var members = Option(args, "--members", 10_000);
        var bookings = Option(args, "--bookings", 100_000);
        var invoices = Option(args, "--invoices", 50_000);
        var requests = Option(args, "--requests", 200);
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync("bench_console");
        await using var hub = HubApp.Build(
            ["--urls", "http://127.0.0.1:0", .. PostgresServer.HubSettings(connectionString), "--Serilog:MinimumLevel:Default=Warning", "--Billing:RunSchedules=false"]);
        await hub.StartAsync();
        var org = await hub.Services.GetRequiredService<OrganisationStore>().CreateAsync("Benchmark", new BootstrapAdmin(Email, Password), CancellationToken.None);

        var seeding = Stopwatch.StartNew();
        var (memberId, locationId) = await SeedAsync(connectionString, org.OrganisationId, members, bookings, invoices);
        seeding.Stop();

        using var http = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), UseCookies = true }) { BaseAddress = new Uri(hub.Urls.Single()) };
        using (var login = await http.PostAsJsonAsync("/auth/login", new { email = Email, password = Password }))
        {
            login.EnsureSuccessStatusCode();
        }

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        (string Name, string Path)[] pages =
        [
            ("dashboard", "/console"),
            ("member search", "/console/members?q=Member%204242"),
            ("member record", $"/console/members/{memberId}"),
            ("day board (50 rooms)", $"/console/bookings?location={locationId}&date={today}"),
            ("invoice list", "/console/billing"),
            ("invoice list, open only", "/console/billing?status=open"),
            ("collection and dunning", "/console/billing/dunning"),
        ];
        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        System.Console.WriteLine(
            $"console: {members} members, {bookings} bookings, {invoices} invoices, {requests} requests a page one at a time, {Environment.ProcessorCount} cores " +
            $"(seeded in {seeding.Elapsed.TotalSeconds:F1} s, load average {load} at the start)");
        foreach (var (name, path) in pages)
        {
            for (var i = 0; i < 10; i++)
            {
                await RenderAsync(http, path);
            }

            var samples = new List<double>(requests);
            for (var i = 0; i < requests; i++)
            {
                samples.Add(await RenderAsync(http, path));
            }

            System.Console.WriteLine($"  {name,-26} {Percentiles.Of(samples).Format("ms")}");
        }

        await hub.StopAsync();
        return 0;
    }

    private static async Task<double> RenderAsync(HttpClient http, string path)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.OK || !body.Contains("<main", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}");
        }

        return elapsed;
    }

    /// <summary>
    /// One location with 50 meeting rooms; members each with a membership; bookings one hour long, back to back on each
    /// room from 40 days ago; invoices one line each, issued a few minutes apart up to now, every fifth one still open.
    /// Answers a member with bookings and invoices, and the location.
    /// </summary>
    private static async Task<(Guid Member, Guid Location)> SeedAsync(string connectionString, Guid organisationId, int members, int bookings, int invoices)
    {
        var location = Guid.NewGuid();
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var seed = new NpgsqlCommand(
            """
            INSERT INTO locations (id, organisation_id, name, time_zone, currency, country, created_at)
            VALUES (@location, @organisation, 'Bench House', 'Europe/London', 'GBP', 'GB', now());
            INSERT INTO areas (id, location_id, name, created_at) VALUES (@area, @location, 'Rooms', now());
            INSERT INTO resources (id, location_id, area_id, name, kind, capacity, created_at)
            SELECT gen_random_uuid(), @location, @area, 'Room ' || lpad(n::text, 2, '0'), 'meeting_room', 8, now() FROM generate_series(1, 50) n;
            INSERT INTO tiers (id, organisation_id, name, terms, created_at, updated_at)
            VALUES (@tier, @organisation, 'Resident', '{"kind":"hot_desk","priceMinor":45000,"currency":"GBP","billingInterval":"monthly","access":"all_hours"}', now(), now());
            INSERT INTO members (id, organisation_id, name, email, company, status, home_location_id, created_at, updated_at)
            SELECT gen_random_uuid(), @organisation, 'Member ' || n, 'm' || n || '@bench.example', 'Company ' || (n % 300), 'active', @location,
                   now() - n * interval '1 minute', now()
            FROM generate_series(1, @members) n;
            INSERT INTO memberships (member_id, tier_id, channel, joined_at, period_start, period_end, updated_at)
            SELECT id, @tier, 'website', now() - interval '10 days', now() - interval '10 days', now() + interval '20 days', now() FROM members
            WHERE organisation_id = @organisation;
            CREATE TEMP TABLE bench_members AS SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM members WHERE organisation_id = @organisation;
            CREATE TEMP TABLE bench_rooms AS SELECT id, row_number() OVER (ORDER BY name) - 1 AS n FROM resources WHERE location_id = @location;
            INSERT INTO bookings (id, organisation_id, location_id, resource_id, resource_kind, kind, member_id, starts_at, ends_at, booked_by, booked_by_kind, on_behalf, created_at, updated_at)
            SELECT gen_random_uuid(), @organisation, @location, r.id, 'meeting_room', 'member', m.id,
                   date_trunc('day', now()) - interval '40 days' + (b / 50) * interval '1 hour',
                   date_trunc('day', now()) - interval '40 days' + (b / 50 + 1) * interval '1 hour',
                   (SELECT id FROM api_keys WHERE organisation_id = @organisation LIMIT 1), 'api_key', false, now(), now()
            FROM generate_series(0, @bookings - 1) b
                JOIN bench_rooms r ON r.n = b % 50
                JOIN bench_members m ON m.n = b % @members;
            CREATE TEMP TABLE bench_invoices AS
            SELECT gen_random_uuid() AS id, i AS number, m.id AS member_id, now() - (@invoices - i) * interval '5 minutes' AS issued_at
            FROM generate_series(1, @invoices) i JOIN bench_members m ON m.n = i % @members;
            INSERT INTO invoices (id, organisation_id, member_id, location_id, kind, number, currency, net_minor, tax_minor, gross_minor, tax_summary, bill_to, issued_at, due_at)
            SELECT i.id, @organisation, i.member_id, @location, 'invoice', i.number, 'GBP', 37500, 7500, 45000,
                   '[{"name":"VAT","partsPerMillion":200000,"inclusive":true,"netMinor":37500,"taxMinor":7500,"grossMinor":45000}]',
                   jsonb_build_object('name', 'Member', 'email', 'member@bench.example', 'company', NULL, 'location', 'Bench House'), i.issued_at, i.issued_at + interval '14 days'
            FROM bench_invoices i;
            INSERT INTO invoice_lines (invoice_id, position, kind, description, quantity, unit_amount_minor, net_minor, tax_minor, gross_minor, tax_name, tax_ppm, tax_inclusive)
            SELECT id, 1, 'plan', 'Resident membership', 1, 45000, 37500, 7500, 45000, 'VAT', 200000, true FROM bench_invoices;
            INSERT INTO invoice_collection (invoice_id, status, amount_due_minor, next_attempt_at, paid_at, updated_at)
            SELECT id, CASE WHEN number % 5 = 0 THEN 'open' ELSE 'paid' END, CASE WHEN number % 5 = 0 THEN 45000 ELSE 0 END, NULL,
                   CASE WHEN number % 5 = 0 THEN NULL ELSE issued_at END, now()
            FROM bench_invoices;
            INSERT INTO invoice_counters (organisation_id, kind, last_number) VALUES (@organisation, 'invoice', @invoices);
            ANALYZE;
            """,
            conn);
        seed.CommandTimeout = 600;
        seed.Parameters.AddWithValue("location", location);
        seed.Parameters.AddWithValue("area", Guid.NewGuid());
        seed.Parameters.AddWithValue("tier", Guid.NewGuid());
        seed.Parameters.AddWithValue("organisation", organisationId);
        seed.Parameters.AddWithValue("members", members);
        seed.Parameters.AddWithValue("bookings", bookings);
        seed.Parameters.AddWithValue("invoices", invoices);
        await seed.ExecuteNonQueryAsync();
        await using var pick = new NpgsqlCommand("SELECT member_id FROM bench_invoices ORDER BY number DESC LIMIT 1", conn);
        return ((Guid)(await pick.ExecuteScalarAsync())!, location);
    }

    private static int Option(string[] args, string name, int fallback) =>
        args.SkipWhile(a => a != name).Skip(1).Select(int.Parse).FirstOrDefault(fallback);
}
