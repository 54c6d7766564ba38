using System.Diagnostics;
using Coworking.Hub;
using Coworking.Hub.Billing;
using Coworking.Hub.Memberships;
using Coworking.Hub.Organisations;
using Coworking.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Benchmarks.Billing;

/// <summary>
/// billing: N members whose monthly period ended an hour ago (tier with included room hours and a room-hour price,
/// VAT 20 % inclusive), billed by two hub instances on one database at once: the membership clock rolls each period
/// (overage metered, next plan posted) and the invoice run issues one invoice per member. Prints both phases and checks
/// that nobody was charged or invoiced twice and that invoice numbers have no gaps.
///   dotnet run -c Release --project tests/Coworking.Benchmarks -- billing [--members 10000]
/// </summary>
public static class BillingRunBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var members = args.SkipWhile(a => a != "--members").Skip(1).Select(int.Parse).FirstOrDefault(10_000);
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync("bench_billing");
        string[] settings = ["--urls", "http://127.0.0.1:0", .. PostgresServer.HubSettings(connectionString), "--Serilog:MinimumLevel:Default=Warning", "--Billing:RunSchedules=false"];
        await using var first = HubApp.Build(settings);
        await using var second = HubApp.Build(settings);
        var org = await first.Services.GetRequiredService<OrganisationStore>().CreateAsync("Benchmark", null, CancellationToken.None);

        var seeding = Stopwatch.StartNew();
        await SeedAsync(connectionString, org.OrganisationId, members);
        Console.WriteLine($"billing: {members} members due, 2 hub instances on one database, {Environment.ProcessorCount} cores (seeded in {seeding.Elapsed.TotalSeconds:F1} s)");

        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var rollover = Stopwatch.StartNew();
        await Task.WhenAll(
            first.Services.GetRequiredService<MembershipStore>().ApplyDueAsync(default),
            second.Services.GetRequiredService<MembershipStore>().ApplyDueAsync(default));
        rollover.Stop();
        var cpuRollover = Process.GetCurrentProcess().TotalProcessorTime;
        var invoicing = Stopwatch.StartNew();
        var runs = await Task.WhenAll(
            first.Services.GetRequiredService<InvoiceStore>().IssueDueAsync(default),
            second.Services.GetRequiredService<InvoiceStore>().IssueDueAsync(default));
        invoicing.Stop();
        var cpuInvoicing = Process.GetCurrentProcess().TotalProcessorTime;

        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var check = db.CreateCommand(
            """
            SELECT (SELECT count(*) FROM ledger_entries WHERE kind = 'plan'),
                   (SELECT count(*) FROM invoices),
                   (SELECT count(DISTINCT member_id) FROM invoices),
                   (SELECT coalesce(max(number), 0) FROM invoices),
                   (SELECT count(*) FROM ledger_entries WHERE invoice_id IS NULL),
                   (SELECT count(*) FROM mail_outbox WHERE kind = 'invoice')
            """);
        await using var reader = await check.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (plans, invoices, invoiced, highest, unbilled, mails) =
            (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
        Console.WriteLine($"  period rollover (plan + overage posted)  {rollover.Elapsed.TotalSeconds,6:F1} s  {members / rollover.Elapsed.TotalSeconds,7:F0} members/s  hub CPU {(cpuRollover - cpuBefore).TotalSeconds:F1} s");
        Console.WriteLine($"  invoice run (number, lines, tax)        {invoicing.Elapsed.TotalSeconds,6:F1} s  {members / invoicing.Elapsed.TotalSeconds,7:F0} invoices/s  (instance 1: {runs[0].Count}, instance 2: {runs[1].Count})  hub CPU {(cpuInvoicing - cpuRollover).TotalSeconds:F1} s");
        Console.WriteLine($"  total                                   {(rollover.Elapsed + invoicing.Elapsed).TotalSeconds,6:F1} s  (load average {load} at the start; hub CPU is both instances, PostgreSQL not counted)");
        var correct = plans == members && invoices == members && invoiced == members && highest == members && unbilled == 0 && mails == members;
        Console.WriteLine(
            $"  check: {plans} plan charges, {invoices} invoices for {invoiced} members, highest number {highest}, {unbilled} unbilled, {mails} invoice e-mails queued: " +
            (correct ? "nobody billed twice, no gaps, every invoice mailed" : "WRONG"));
        return correct ? 0 : 1;
    }

    /// <summary>Members who joined a month and a day ago (London), their first period ended an hour ago and was invoiced already.</summary>
    private static async Task SeedAsync(string connectionString, Guid organisationId, int members)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var seed = new NpgsqlCommand(
            """
            INSERT INTO locations (id, organisation_id, name, time_zone, currency, country, created_at)
            VALUES (@location, @organisation, 'Bench House', 'Etc/UTC', 'GBP', 'GB', now());
            INSERT INTO location_seq (location_id, last_seq) VALUES (@location, 0);
            INSERT INTO location_tax_rates (location_id, name, parts_per_million, inclusive, updated_at) VALUES (@location, 'VAT', 200000, true, now());
            INSERT INTO tiers (id, organisation_id, name, terms, created_at, updated_at)
            VALUES (@tier, @organisation, 'Resident', '{"kind":"hot_desk","priceMinor":45000,"currency":"GBP","billingInterval":"monthly","roomHoursPerMonth":5,"access":"all_hours"}', now(), now());
            INSERT INTO tier_prices (tier_id, code, name, unit_price_minor, currency, updated_at) VALUES (@tier, 'room_hour', 'Meeting-room hour', 2000, 'GBP', now());
            WITH m AS (
                INSERT INTO members (id, organisation_id, name, email, status, home_location_id, created_at, updated_at)
                SELECT gen_random_uuid(), @organisation, 'Member ' || n, 'm' || n || '@bench.example', 'active', @location, now(), now()
                FROM generate_series(1, @members) n RETURNING id)
            INSERT INTO memberships (member_id, tier_id, channel, joined_at, period_start, period_end, updated_at)
            SELECT id, @tier, 'website', @periodEnd - interval '1 month', @periodEnd - interval '1 month', @periodEnd, now() FROM m;
            """,
            conn);
        var periodEnd = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero);
        seed.Parameters.AddWithValue("location", Guid.NewGuid());
        seed.Parameters.AddWithValue("tier", Guid.NewGuid());
        seed.Parameters.AddWithValue("organisation", organisationId);
        seed.Parameters.AddWithValue("members", members);
        seed.Parameters.AddWithValue("periodEnd", periodEnd);
        await seed.ExecuteNonQueryAsync();
    }
}
