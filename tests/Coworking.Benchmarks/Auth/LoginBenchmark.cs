using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Coworking.Benchmarks.Support;
using Coworking.Hub;
using Coworking.Hub.Auth;
using Coworking.Hub.Organisations;
using Coworking.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Benchmarks.Auth;

/// <summary>
/// login: what an operator's login costs, PBKDF2 (600,000 iterations) included: the hash alone, then
/// POST /auth/login through the real hub (Kestrel in-process, real PostgreSQL) by N concurrent clients, each login
/// from its own client address so the rate limiter does not step in.
///   dotnet run -c Release --project tests/Coworking.Benchmarks -- login [--logins 40] [--clients 1]
/// </summary>
public static class LoginBenchmark
{
    private const string Password = "benchmark passphrase";

    public static async Task<int> RunAsync(string[] args)
    {
        var logins = Option(args, "--logins", 40);
        var clients = Option(args, "--clients", 1);
        var stored = PasswordHasher.Hash(Password);
        var hashes = new List<double>();
        for (var i = 0; i < Math.Min(logins, 20); i++)
        {
            var started = Stopwatch.GetTimestamp();
            PasswordHasher.Verify(Password, stored);
            hashes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync("bench_login");
        await using var hub = HubApp.Build(["--urls", "http://127.0.0.1:0", .. PostgresServer.HubSettings(connectionString), "--Serilog:MinimumLevel:Default=Warning"]);
        await hub.StartAsync();
        const string email = "owner@bench.coworking.test";
        await hub.Services.GetRequiredService<OrganisationStore>().CreateAsync("Benchmark", new BootstrapAdmin(email, Password), CancellationToken.None);
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, MaxConnectionsPerServer = clients }) { BaseAddress = new Uri(hub.Urls.Single()) };

        var next = 0;
        async Task<double> LoginAsync()
        {
            var n = Interlocked.Increment(ref next);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/login") { Content = JsonContent.Create(new { email, password = Password }) };
            request.Headers.Add("X-Forwarded-For", $"10.{n / 65536 % 256}.{n / 256 % 256}.{n % 256}");
            var started = Stopwatch.GetTimestamp();
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        for (var i = 0; i < 3; i++)
        {
            await LoginAsync();
        }

        var samples = new List<double>();
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
        {
            for (var i = c; i < logins; i += clients)
            {
                var ms = await LoginAsync();
                lock (samples)
                {
                    samples.Add(ms);
                }
            }
        }));
        wall.Stop();
        await hub.StopAsync();

        Console.WriteLine($"login: {logins} logins, {clients} concurrent clients, {Environment.ProcessorCount} cores");
        Console.WriteLine($"  PBKDF2-SHA256 600,000 iterations, one verify: {Percentiles.Of(hashes).Format("ms")}");
        Console.WriteLine($"  POST /auth/login:                            {Percentiles.Of(samples).Format("ms")}  {logins / wall.Elapsed.TotalSeconds:F1} logins/s");
        return 0;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
