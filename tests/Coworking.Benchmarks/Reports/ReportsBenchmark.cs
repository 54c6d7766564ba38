using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Coworking.Hub;
using Coworking.Hub.Organisations;
using Coworking.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Benchmarks.Reports;

/// <summary>
/// reports: every report through the real hub (Kestrel in-process, real PostgreSQL, row-level security on) over a seeded
/// history of N members at two locations over three years (2023–2025): four tiers, 20 % changing tier once, 10 % pausing
/// for two months, 35 % cancelling; one invoice with one plan line and its ledger entry per member and billing period,
/// 95 % of them paid, 2 % with a credit note. Each report runs once to warm up, then --runs times; min and median printed.
///   dotnet run -c Release --project tests/Coworking.Benchmarks -- reports [--members 10000] [--runs 3] [--explain] [--bookings-beside …]
/// --explain logs every statement over 200 ms with its EXPLAIN ANALYZE plan (auto_explain) into PostgreSQL's log.
/// </summary>
public static class ReportsBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var members = Option(args, "--members", 10_000);
        var runs = Option(args, "--runs", 3);
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync("bench_reports");

        await using var hub = HubApp.Build(
        [
            "--urls", "http://127.0.0.1:0",
            .. PostgresServer.HubSettings(connectionString),
            "--Serilog:MinimumLevel:Default=Warning",
        ]);
        await hub.StartAsync();
        var org = await hub.Services.GetRequiredService<OrganisationStore>().CreateAsync("Benchmark", null, CancellationToken.None);
        using var http = new HttpClient { BaseAddress = new Uri(hub.Urls.Single()), Timeout = TimeSpan.FromMinutes(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", org.ApiKey);
        var london = await PostAsync(http, "/api/v1/locations", new { name = "Canal Street", timeZone = "Europe/London", currency = "GBP", country = "GB" });
        var dublin = await PostAsync(http, "/api/v1/locations", new { name = "Harbour", timeZone = "Europe/Dublin", currency = "GBP", country = "IE" });
        var tiers = new List<Guid>();
        foreach (var (name, kind, price) in new[] { ("Flex", "hot_desk", 30000), ("Resident", "dedicated_desk", 45000), ("Office", "private_office", 120000), ("Virtual", "virtual", 4000) })
        {
            var tier = await PostAsync(http, "/api/v1/tiers", new
            {
                name, terms = new { kind, priceMinor = price, currency = "GBP", billingInterval = "monthly", access = "all_hours", allSites = true },
            });
            using var dayPass = await http.PutAsJsonAsync($"/api/v1/tiers/{tier}/prices/day_pass", new { name = "Day pass", unitPriceMinor = 1500 });
            dayPass.EnsureSuccessStatusCode();
            tiers.Add(tier);
        }

        var seeding = Stopwatch.StartNew();
        await SeedAsync(connectionString, org.OrganisationId, [london, dublin], [.. tiers], members);
        Console.WriteLine($"reports: seeded {members} members in {seeding.Elapsed.TotalSeconds:F0} s: {await CountsAsync(connectionString)}");
        if (args.Contains("--explain"))
        {
            await ExplainAsync(server.ConnectionString, new NpgsqlConnectionStringBuilder(connectionString).Database!);
        }

        Console.WriteLine($"reports: {runs} runs each after one to warm up, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        var reports = new (string Name, string Path)[]
        {
            ("revenue 2025 (12 months)", "/api/v1/reports/revenue?from=2025-01&to=2025-12"),
            ("revenue 2023-2025 (36 months)", "/api/v1/reports/revenue?from=2023-01&to=2025-12"),
            ("aged debt at 31 Dec 2025", "/api/v1/reports/aged-debt?at=2025-12-31T23:00:00Z"),
            ("mrr 2025", "/api/v1/reports/mrr?from=2025-01&to=2025-12"),
            ("mrr 2023-2025", "/api/v1/reports/mrr?from=2023-01&to=2025-12"),
            ("members by tier 2025", "/api/v1/reports/members?from=2025-01&to=2025-12"),
            ("members by tier 2023-2025", "/api/v1/reports/members?from=2023-01&to=2025-12"),
            ("channels 2023-2025", "/api/v1/reports/channels?from=2023-01&to=2025-12&at=2026-01-01T00:00:00Z"),
        };
        foreach (var (name, path) in reports)
        {
            var times = new List<double>();
            for (var run = 0; run <= runs; run++)
            {
                var watch = Stopwatch.StartNew();
                using var response = await http.GetAsync(path);
                var body = await response.Content.ReadAsStringAsync();
                watch.Stop();
                if (!response.IsSuccessStatusCode)
                {
                    Console.WriteLine($"  {name}: {(int)response.StatusCode} {body}");
                    return 1;
                }

                if (run > 0)
                {
                    times.Add(watch.Elapsed.TotalMilliseconds);
                }
            }

            times.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-32} min {times[0],8:F0} ms  median {times[times.Count / 2],8:F0} ms"));
        }

        if (args.Contains("--bookings-beside"))
        {
            await BookingsBesideReports.RunAsync(http, tiers[0], [.. reports.Select(r => r.Path)], args);
        }

        await hub.StopAsync();
        return 0;
    }

    /// <summary>
    /// The history in SQL, as the system (row-level security off for the owner's session with coworking.system on). Members
    /// join uniformly over 2023–2025; periods start on the join day; the plan of each period is posted and invoiced at its
    /// start, in the tier held then.
    /// </summary>
    private static async Task SeedAsync(string connectionString, Guid organisationId, Guid[] locations, Guid[] tiers, int members)
    {
        var system = new NpgsqlConnectionStringBuilder(connectionString) { Options = "-c coworking.system=on", CommandTimeout = 0 };
        await using var conn = new NpgsqlConnection(system.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(SeedSql, conn);
        cmd.Parameters.AddWithValue("org", organisationId);
        cmd.Parameters.AddWithValue("locations", locations);
        cmd.Parameters.AddWithValue("tiers", tiers);
        cmd.Parameters.AddWithValue("members", members);
        await cmd.ExecuteNonQueryAsync();
    }

    private const string SeedSql =
        """
        SELECT setseed(0.42);
        CREATE TEMP TABLE seed AS
        SELECT g AS n, gen_random_uuid() AS id, ts AS joined_at, loc, t0, t1, change_at, pause_at, cancel_at, channel
        FROM (
            SELECT g, ts, (@locations::uuid[])[1 + g % 2] AS loc,
                   (@tiers::uuid[])[1 + (g * 7) % 4] AS t0, (@tiers::uuid[])[1 + (g * 7 + 1 + g % 3) % 4] AS t1,
                   CASE WHEN random() < 0.20 THEN ts + make_interval(days => 30 + (random() * 400)::int) END AS change_at,
                   CASE WHEN random() < 0.10 THEN ts + make_interval(days => 60 + (random() * 300)::int) END AS pause_at,
                   CASE WHEN random() < 0.35 THEN ts + make_interval(days => 45 + (random() * 500)::int) END AS cancel_at,
                   (ARRAY['website', 'referral', 'partner', 'walk_in'])[1 + floor(random() * 4)::int] AS channel
            FROM generate_series(1, @members) AS g,
                 LATERAL (SELECT timestamptz '2023-01-01 09:00Z' + (random() * 1094) * interval '1 day' + g * interval '1 second' AS ts) AS t
        ) s;

        INSERT INTO members (id, organisation_id, name, email, status, home_location_id, created_at, updated_at)
        SELECT id, @org, 'Member ' || n, 'm' || n || '@bench.example',
               CASE WHEN cancel_at < '2026-01-01' THEN 'cancelled' ELSE 'active' END, loc, joined_at, joined_at
        FROM seed;

        INSERT INTO memberships (member_id, tier_id, channel, joined_at, period_start, period_end, updated_at)
        SELECT id, CASE WHEN change_at < '2026-01-01' THEN t1 ELSE t0 END, channel, joined_at, joined_at, joined_at + interval '1 month', joined_at
        FROM seed;

        INSERT INTO member_events (id, member_id, kind, detail, actor_kind, occurred_at)
        SELECT gen_random_uuid(), id, 'joined', jsonb_build_object('tierId', t0, 'channel', channel), 'system', joined_at FROM seed
        UNION ALL
        SELECT gen_random_uuid(), id, 'tier_changed', jsonb_build_object('from', t0, 'to', t1), 'system', change_at
        FROM seed WHERE change_at < '2026-01-01' AND change_at < coalesce(cancel_at, 'infinity')
        UNION ALL
        SELECT gen_random_uuid(), id, 'paused', jsonb_build_object('until', pause_at + interval '2 months'), 'system', pause_at
        FROM seed WHERE pause_at < '2025-10-01' AND pause_at + interval '2 months' < coalesce(cancel_at, 'infinity')
        UNION ALL
        SELECT gen_random_uuid(), id, 'resumed', '{}', 'system', pause_at + interval '2 months'
        FROM seed WHERE pause_at < '2025-10-01' AND pause_at + interval '2 months' < coalesce(cancel_at, 'infinity')
        UNION ALL
        SELECT gen_random_uuid(), id, 'cancelled', jsonb_build_object('at', cancel_at), 'system', cancel_at FROM seed WHERE cancel_at < '2026-01-01';

        CREATE TEMP TABLE periods AS
        SELECT s.id AS member_id, s.loc, p.k, p.starts,
               CASE WHEN s.change_at <= p.starts THEN s.t1 ELSE s.t0 END AS tier_id,
               row_number() OVER (ORDER BY p.starts, s.n) AS number, gen_random_uuid() AS invoice_id, random() AS luck
        FROM seed s
            CROSS JOIN LATERAL (
                SELECT k, s.joined_at + make_interval(months => k) AS starts FROM generate_series(0, 36) AS k
                WHERE s.joined_at + make_interval(months => k) < least(coalesce(s.cancel_at, 'infinity'), '2026-01-01')
            ) p
        WHERE NOT (s.pause_at IS NOT NULL AND s.pause_at < '2025-10-01' AND p.starts >= s.pause_at AND p.starts < s.pause_at + interval '2 months');

        INSERT INTO invoices (id, organisation_id, member_id, location_id, kind, number, currency, net_minor, tax_minor, gross_minor, tax_summary, bill_to, issued_at, due_at)
        SELECT p.invoice_id, @org, p.member_id, p.loc, 'invoice', p.number, 'GBP', (t.terms->>'priceMinor')::bigint, 0, (t.terms->>'priceMinor')::bigint,
               '{"rates":[]}', '{}', p.starts + interval '5 minutes', p.starts + interval '14 days'
        FROM periods p JOIN tiers t ON t.id = p.tier_id;

        INSERT INTO invoice_lines (invoice_id, position, kind, description, quantity, unit_amount_minor, net_minor, tax_minor, gross_minor, tax_name, tax_ppm, tax_inclusive, service_start, service_end)
        SELECT p.invoice_id, 1, 'plan', t.name || ' plan', 1, (t.terms->>'priceMinor')::bigint, (t.terms->>'priceMinor')::bigint, 0, (t.terms->>'priceMinor')::bigint,
               'No tax', 0, false, p.starts::date, (p.starts + interval '1 month')::date - 1
        FROM periods p JOIN tiers t ON t.id = p.tier_id;

        INSERT INTO ledger_entries (id, organisation_id, member_id, location_id, kind, description, quantity, unit_amount_minor, currency, service_start, service_end,
                                    source_key, bill_after, created_at, invoice_id)
        SELECT gen_random_uuid(), @org, p.member_id, p.loc, 'plan', t.name || ' plan', 1, (t.terms->>'priceMinor')::bigint, 'GBP', p.starts::date,
               (p.starts + interval '1 month')::date - 1, 'plan:' || p.member_id || ':' || p.k, p.starts, p.starts, p.invoice_id
        FROM periods p JOIN tiers t ON t.id = p.tier_id;

        INSERT INTO invoices (id, organisation_id, member_id, location_id, kind, number, corrects_id, currency, net_minor, tax_minor, gross_minor, tax_summary, bill_to, issued_at, due_at)
        SELECT gen_random_uuid(), @org, p.member_id, p.loc, 'credit_note', row_number() OVER (ORDER BY p.number), p.invoice_id, 'GBP', -1000, 0, -1000,
               '{"rates":[]}', '{}', p.starts + interval '2 days', p.starts + interval '2 days'
        FROM periods p WHERE p.luck < 0.02;

        INSERT INTO invoice_lines (invoice_id, position, kind, description, quantity, unit_amount_minor, net_minor, tax_minor, gross_minor, tax_name, tax_ppm, tax_inclusive)
        SELECT i.id, 1, 'adjustment', 'Goodwill', 1, -1000, -1000, 0, -1000, 'No tax', 0, false
        FROM invoices i WHERE i.kind = 'credit_note' AND i.organisation_id = @org;

        INSERT INTO payments (id, invoice_id, amount_minor, currency, method, actor_kind, paid_at)
        SELECT gen_random_uuid(), p.invoice_id, i.gross_minor - CASE WHEN p.luck < 0.02 THEN 1000 ELSE 0 END, 'GBP', 'card', 'system',
               i.issued_at + make_interval(days => (p.luck * 200)::int % 20)
        FROM periods p JOIN invoices i ON i.id = p.invoice_id
        WHERE p.luck < 0.95 AND i.issued_at + make_interval(days => (p.luck * 200)::int % 20) < '2026-01-01';

        INSERT INTO invoice_collection (invoice_id, status, amount_due_minor, paid_at, updated_at)
        SELECT i.id, CASE WHEN pay.paid_at IS NULL THEN 'open' ELSE 'paid' END,
               CASE WHEN pay.paid_at IS NULL THEN i.gross_minor - CASE WHEN p.luck < 0.02 THEN 1000 ELSE 0 END ELSE 0 END,
               pay.paid_at, coalesce(pay.paid_at, i.issued_at)
        FROM periods p JOIN invoices i ON i.id = p.invoice_id LEFT JOIN payments pay ON pay.invoice_id = i.id;

        INSERT INTO invoice_counters (organisation_id, kind, last_number)
        SELECT @org, kind, max(number) FROM invoices WHERE organisation_id = @org GROUP BY kind;
        ANALYZE;
        """;

    private static async Task<string> CountsAsync(string connectionString)
    {
        var system = new NpgsqlConnectionStringBuilder(connectionString) { Options = "-c coworking.system=on" };
        await using var conn = new NpgsqlConnection(system.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            """
            SELECT format('%s invoices, %s credit notes, %s payments, %s member events, %s ledger entries',
                (SELECT count(*) FROM invoices WHERE kind = 'invoice'), (SELECT count(*) FROM invoices WHERE kind = 'credit_note'),
                (SELECT count(*) FROM payments), (SELECT count(*) FROM member_events), (SELECT count(*) FROM ledger_entries))
            """,
            conn);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Has PostgreSQL log the plan, with actual times, of every statement of this database over 200 ms.</summary>
    private static async Task ExplainAsync(string superuser, string database)
    {
        await using var conn = new NpgsqlConnection(superuser);
        await conn.OpenAsync();
        foreach (var setting in new[] { "session_preload_libraries = 'auto_explain'", "auto_explain.log_min_duration = '200ms'", "auto_explain.log_analyze = on", "auto_explain.log_nested_statements = on" })
        {
            await using var cmd = new NpgsqlCommand($"ALTER DATABASE \"{database}\" SET {setting}", conn);
            await cmd.ExecuteNonQueryAsync();
        }

        NpgsqlConnection.ClearAllPools();
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static async Task<Guid> PostAsync(HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("id").GetGuid();
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
