using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Coworking.Benchmarks.Support;

namespace Coworking.Benchmarks.Reports;

/// <summary>
/// reports --bookings-beside: in the run's hub and database (the seeded history in place), booking creation through the
/// API with C concurrent clients, in rounds alone and with one client running every report in a loop beside it — alone,
/// beside, alone, beside…, so a drifting load weighs on both alike. Reports read in a read-only repeatable-read
/// snapshot and take no lock a booking waits for; what is left between them is the CPU and the disk they share.
///   … -- reports --bookings-beside [--rounds 2] [--bookings 2000] [--resources 200] [--clients 8]
/// </summary>
internal static class BookingsBesideReports
{
    public static async Task RunAsync(HttpClient http, Guid tier, IReadOnlyList<string> reportPaths, string[] args)
    {
        var rounds = Option(args, "--rounds", 2);
        var bookings = Option(args, "--bookings", 2000);
        var resources = Option(args, "--resources", 200);
        var clients = Option(args, "--clients", 8);

        var location = await PostAsync(http, "/api/v1/locations", new { name = "Booking House", timeZone = "Europe/London", currency = "GBP", country = "GB" });
        var area = await PostAsync(http, $"/api/v1/locations/{location}/areas", new { name = "Floor" });
        var desks = new Guid[resources];
        await Parallel.ForAsync(0, resources, new ParallelOptions { MaxDegreeOfParallelism = clients }, async (i, _) =>
            desks[i] = await PostAsync(http, $"/api/v1/locations/{location}/resources", new { areaId = area, name = $"Desk {i}", kind = "hot_desk" }));
        var members = new Guid[resources];
        await Parallel.ForAsync(0, resources, new ParallelOptions { MaxDegreeOfParallelism = clients }, async (i, _) =>
        {
            members[i] = await PostAsync(http, "/api/v1/members", new { name = $"Booker {i}", email = $"booker{i}@bench.example", homeLocationId = location });
            using var membership = await http.PostAsJsonAsync($"/api/v1/members/{members[i]}/membership", new { tierId = tier, channel = "website" });
            membership.EnsureSuccessStatusCode();
        });

        // Member k books desk k, hour after hour; each round books its own day, so no request meets another's slot.
        var first = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(2), TimeSpan.Zero);
        var day = 0;
        Task<(double PerSecond, Percentiles Latency)> RoundAsync()
        {
            var start = first.AddDays(day++);
            var bodies = Enumerable.Range(0, bookings).Select(i => JsonSerializer.SerializeToUtf8Bytes(new
            {
                memberId = members[i % resources], resourceId = desks[i % resources], start = start.AddHours(i / resources), end = start.AddHours(i / resources + 1),
            })).ToArray();
            return BookAsync(http, clients, bodies);
        }

        await RoundAsync();
        var alone = new List<(double PerSecond, Percentiles Latency)>();
        var beside = new List<(double PerSecond, Percentiles Latency)>();
        var reportsRun = 0;
        for (var round = 0; round < 2 * rounds; round++)
        {
            if (round % 2 == 0)
            {
                alone.Add(await RoundAsync());
                continue;
            }

            using var stop = new CancellationTokenSource();
            var loop = Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    using var response = await http.GetAsync(reportPaths[i % reportPaths.Count], CancellationToken.None);
                    response.EnsureSuccessStatusCode();
                    Interlocked.Increment(ref reportsRun);
                }
            });
            beside.Add(await RoundAsync());
            await stop.CancelAsync();
            await loop;
        }

        Console.WriteLine($"reports --bookings-beside: {bookings} bookings a round over {resources} desks, {clients} clients, {rounds} rounds each");
        foreach (var (name, results) in new[] { ("alone", alone), ("reports beside", beside) })
        {
            var rates = results.Select(r => r.PerSecond).Order().ToList();
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  {name,-15} bookings/s median {rates[rates.Count / 2],7:F0} (rounds {string.Join(", ", results.Select(r => r.PerSecond.ToString("F0", CultureInfo.InvariantCulture)))}), last round {results[^1].Latency.Format(" ms")}"));
        }

        Console.WriteLine($"  reports answered beside the bookings: {reportsRun}");
    }

    private static async Task<(double PerSecond, Percentiles Latency)> BookAsync(HttpClient http, int clients, byte[][] bodies)
    {
        var next = -1;
        var latencies = new double[bodies.Length];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < bodies.Length; i = Interlocked.Increment(ref next))
            {
                var started = Stopwatch.GetTimestamp();
                using var content = new ByteArrayContent(bodies[i]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await http.PostAsync("/api/v1/bookings", content);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"POST /api/v1/bookings: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }

                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        })));
        return (bodies.Length / clock.Elapsed.TotalSeconds, Percentiles.Of(latencies));
    }

    private static async Task<Guid> PostAsync(HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("id").GetGuid();
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
