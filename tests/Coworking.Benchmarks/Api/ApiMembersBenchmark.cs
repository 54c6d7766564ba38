using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Coworking.Benchmarks.Support;
using Coworking.Hub;
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

        await using var hub = HubApp.Build(
        [
            "--urls", "http://127.0.0.1:0",
            .. PostgresServer.HubSettings(connectionString),
            "--Serilog:MinimumLevel:Default=Warning",
        ]);
        await hub.StartAsync();
        var org = await hub.Services.GetRequiredService<OrganisationStore>().CreateAsync("Benchmark", null, CancellationToken.None);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = new Uri(hub.Urls.Single()) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", org.ApiKey);
        var location = await CreateLocationAsync(http);

        // Each phase warms up first (JIT, pools, PostgreSQL caches) and then measures with fresh card numbers.
        var oneRequest = await MeasureAsync(connectionString, clients, members, 100_000_000, i => OneRequestAsync(http, location, i));
        var twoRequests = await MeasureAsync(connectionString, clients, members, 200_000_000, i => TwoRequestsAsync(http, location, i));
        await hub.StopAsync();

        await using var db = NpgsqlDataSource.Create(connectionString);
        var direct = await MeasureAsync(connectionString, clients, members, 300_000_000, i => DirectAsync(db, org.OrganisationId, location, i));

        Console.WriteLine($"api-members: {members} members with a card per phase, {clients} concurrent clients, {Environment.ProcessorCount} cores");
        Print("api, 1 request (member with card)", oneRequest, 1);
        Print("api, 2 requests (member, then card)", twoRequests, 2);
        Print("direct Npgsql, 1 transaction", direct, 0);
        Console.WriteLine($"  api/direct members/s: 1 request {oneRequest.PerSecond / direct.PerSecond:P0}, 2 requests {twoRequests.PerSecond / direct.PerSecond:P0}");
        Console.WriteLine($"  api/direct CPU per member: 1 request {direct.CpuPerMember / oneRequest.CpuPerMember:P0}, 2 requests {direct.CpuPerMember / twoRequests.CpuPerMember:P0} (higher is better)");
        return 0;
    }

    private static void Print(string name, Phase phase, int requestsPerMember) =>
        Console.WriteLine(
            $"  {name,-36} {phase.PerSecond,7:F0} members/s" +
            (requestsPerMember > 0 ? $" {phase.PerSecond * requestsPerMember,7:F0} requests/s" : new string(' ', 19)) +
            $"  CPU/member {phase.ProcessCpuMs:F2} ms here + {phase.PostgresCpuMs:F2} ms PostgreSQL  latency {phase.Latency.Format("ms")}");

    private sealed record Phase(double PerSecond, Percentiles Latency, double ProcessCpuMs, double PostgresCpuMs)
    {
        public double CpuPerMember => ProcessCpuMs + PostgresCpuMs;
    }

    private static async Task<Phase> MeasureAsync(string connectionString, int clients, int members, int firstCard, Func<int, Task> create)
    {
        await RunClientsAsync(clients, Math.Min(200, members), i => create(firstCard + members + i));
        var postgresBefore = await PostgresCpu.ReadAsync(connectionString);
        var processBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var (perSecond, latency) = await RunClientsAsync(clients, members, i => create(firstCard + i));
        var processMs = (Process.GetCurrentProcess().TotalProcessorTime - processBefore).TotalMilliseconds;
        var postgresMs = PostgresCpu.Since(postgresBefore, await PostgresCpu.ReadAsync(connectionString));
        return new Phase(perSecond, latency, processMs / members, postgresMs / members);
    }

    private static async Task<Guid> CreateLocationAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/locations", new { name = "Bench House", timeZone = "Europe/London", currency = "GBP", country = "GB" });
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("id").GetGuid();
    }

    /// <summary>POST /members with the card inline: one request, one transaction.</summary>
    private static async Task OneRequestAsync(HttpClient http, Guid location, int i)
    {
        using var created = await http.PostAsJsonAsync("/api/v1/members", new
        {
            name = $"Member {i}", email = $"m{i}@bench.example", homeLocationId = location, credentials = new[] { new { kind = "card", cardNumber = i } },
        });
        created.EnsureSuccessStatusCode();
    }

    /// <summary>POST /members then POST /members/{id}/credentials, as an integration might.</summary>
    private static async Task TwoRequestsAsync(HttpClient http, Guid location, int i)
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
                    memberId, organisationId, $"Member {i}", $"m{i}@bench.example", location, now),
                Command(
                    """
                    INSERT INTO credentials (id, organisation_id, member_id, kind, card_format, facility_code, card_number, created_at)
                    VALUES ($1, $2, $3, 'card', 'raw', 0, $4, $5)
                    """,
                    credentialId, organisationId, memberId, (decimal)i, now),
                Command(
                    """
                    WITH counter AS (UPDATE location_seq SET last_seq = last_seq + 3 WHERE location_id = $1 RETURNING last_seq)
                    INSERT INTO change_log (location_id, seq, kind, entity, payload, committed_at)
                    SELECT $1, counter.last_seq - 3 + t.n, t.kind, t.entity, t.payload::jsonb, $2
                    FROM counter, unnest($3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS t(kind, entity, payload, n)
                    """,
                    location,
                    now,
                    new[] { "holder", "grant", "credential" },
                    new[] { $"holder:{memberId}", $"grant:{grantId}", $"credential:{credentialId}" },
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
