using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Coworking.Benchmarks.Support;
using Coworking.Hub;
using Coworking.Hub.Database;
using Coworking.Hub.Organisations;
using Coworking.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Benchmarks.Api;

/// <summary>
/// api-members: creates members each with a card through the real hub (Kestrel, in-process, real PostgreSQL)
/// with N concurrent HTTP clients, then makes the same rows directly with Npgsql, and prints both rates.
///   dotnet run -c Release --project tests/Coworking.Benchmarks -- api-members [--members 2000] [--clients 8]
/// </summary>
public static class ApiMembersBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var members = Option(args, "--members", 2000);
        var clients = Option(args, "--clients", 8);
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync("bench_api");
        Migrator.Apply(connectionString);

        await using var hub = HubApp.Build(
        [
            "--urls", "http://127.0.0.1:0",
            $"--ConnectionStrings:Hub={connectionString}",
            "--Serilog:MinimumLevel:Default=Warning",
        ]);
        await hub.StartAsync();
        var org = await hub.Services.GetRequiredService<OrganisationStore>().CreateAsync("Benchmark", null, CancellationToken.None);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = new Uri(hub.Urls.Single()) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", org.ApiKey);
        var location = await CreateLocationAsync(http);

        // Warm-up: JIT, connection pools, PostgreSQL caches; not counted.
        await RunClientsAsync(clients, Math.Min(200, members), i => ViaApiAsync(http, location, 900_000_000 + i));
        var api = await RunClientsAsync(clients, members, i => ViaApiAsync(http, location, i));
        await hub.StopAsync();

        await using var db = NpgsqlDataSource.Create(connectionString);
        await RunClientsAsync(clients, Math.Min(200, members), i => DirectAsync(db, org.OrganisationId, location, 800_000_000 + i));
        var direct = await RunClientsAsync(clients, members, i => DirectAsync(db, org.OrganisationId, location, 100_000_000 + i));

        Console.WriteLine($"api-members: {members} members with a card, {clients} concurrent clients, {Environment.ProcessorCount} cores");
        Console.WriteLine($"  api    {api.PerSecond,8:F0} members/s  {api.PerSecond * 2,8:F0} requests/s  member (2 requests) {api.Latency.Format("ms")}");
        Console.WriteLine($"  direct {direct.PerSecond,8:F0} members/s  transaction {direct.Latency.Format("ms")}");
        Console.WriteLine($"  api / direct = {api.PerSecond / direct.PerSecond:P0}");
        return 0;
    }

    private static async Task<Guid> CreateLocationAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/locations", new { name = "Bench House", timeZone = "Europe/London", currency = "GBP", country = "GB" });
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("id").GetGuid();
    }

    /// <summary>POST /members then POST /members/{id}/credentials, as an integration would.</summary>
    private static async Task ViaApiAsync(HttpClient http, Guid location, int i)
    {
        using var created = await http.PostAsJsonAsync("/api/v1/members", new { name = $"Member {i}", email = $"m{i}@bench.example", homeLocationId = location });
        created.EnsureSuccessStatusCode();
        using var member = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var id = member.RootElement.GetProperty("id").GetGuid();
        using var card = await http.PostAsJsonAsync($"/api/v1/members/{id}/credentials", new { kind = "card", cardNumber = i });
        card.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// The same rows in one transaction: the member, its card, and the three change-log entries (holder,
    /// membership grant, credential) the hub appends, with the seq taken from the location's counter.
    /// </summary>
    private static async Task DirectAsync(NpgsqlDataSource db, Guid organisationId, Guid location, int i)
    {
        var now = DateTimeOffset.UnixEpoch.AddDays(20_000);
        var memberId = Guid.CreateVersion7(now);
        var credentialId = Guid.CreateVersion7(now);
        var grantId = Guid.NewGuid();
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await using var batch = new NpgsqlBatch(conn, tx)
        {
            BatchCommands =
            {
                Command(
                    """
                    INSERT INTO members (id, organisation_id, name, email, company, status, home_location_id, created_at, updated_at)
                    VALUES ($1, $2, $3, $4, NULL, 'active', $5, $6, $6)
                    """,
                    memberId, organisationId, $"Member {i}", $"d{i}@bench.example", location, now),
                Command(
                    """
                    INSERT INTO credentials (id, organisation_id, member_id, kind, card_format, facility_code, card_number, created_at)
                    VALUES ($1, $2, $3, 'card', 'raw', 0, $4, $5)
                    """,
                    credentialId, organisationId, memberId, (decimal)i, now),
                Command(
                    """
                    WITH counter AS (UPDATE location_seq SET last_seq = last_seq + 3 WHERE location_id = $1 RETURNING last_seq)
                    INSERT INTO change_log (location_id, seq, kind, payload, committed_at)
                    SELECT $1, counter.last_seq - 3 + t.n, t.kind, t.payload::jsonb, $2
                    FROM counter, unnest($3::text[], $4::text[]) WITH ORDINALITY AS t(kind, payload, n)
                    """,
                    location,
                    now,
                    new[] { "holder", "grant", "credential" },
                    new[]
                    {
                        JsonSerializer.Serialize(new { holder = new { holderId = memberId, status = "HOLDER_STATUS_ACTIVE" } }),
                        JsonSerializer.Serialize(new { grant = new { grantId, holderId = memberId, allDoors = true, validFrom = now } }),
                        JsonSerializer.Serialize(new { credential = new { credentialId, holderId = memberId, kind = "CREDENTIAL_KIND_CARD", cardNumber = i.ToString(CultureInfo.InvariantCulture) } }),
                    }),
                Command("SELECT pg_notify('change_log', $1)", string.Create(CultureInfo.InvariantCulture, $"{location}:{i}")),
            },
        };
        await batch.ExecuteNonQueryAsync();
        await tx.CommitAsync();
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }

    private static async Task<(double PerSecond, Percentiles Latency)> RunClientsAsync(int clients, int count, Func<int, Task> create)
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
        return (count / clock.Elapsed.TotalSeconds, Percentiles.Of(latencies));
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
