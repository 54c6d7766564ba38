using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Threading.Channels;
using Coworking.Benchmarks.Edge;
using Coworking.Benchmarks.Support;
using Coworking.Testing.Sync;

namespace Coworking.Benchmarks.Web;

/// <summary>
/// console-alarm: a door forced open at the simulated reader until an open dashboard shows it, through the real edge
/// and hub processes (<see cref="SyncSite"/>). The dashboard is held open as its script holds it: the console's live
/// stream (/console/live, Server-Sent Events) with a signed-in operator's cookie; on its <c>alarms</c> event the page
/// is fetched again, as js/live.js does, and the round ends when that page lists one more forced-open alarm than before. Each round
/// closes the door again and lets the stream go quiet before the next.
///   dotnet run -c Release --project tests/Coworking.Benchmarks -- console-alarm [--rounds 20]
/// </summary>
public static class DoorAlarmLatencyBenchmark
{
    private const string Password = "alarm-bench-pass-1";
    private const string Shown = "Forced open: Front door";

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = Options.Int(args, "--rounds", 20);
        await using var site = await SyncSite.StartAsync();
        var email = $"alarm-{Guid.NewGuid():N}@bench.coworking.test";
        await site.Api.PostAsync("/api/v1/operators", new { email, name = "Alarm Bench", password = Password, role = "location_manager", locationIds = new[] { site.LocationId } });
        using var http = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), UseCookies = true })
        {
            BaseAddress = site.Hub.ApiUrl,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        using (var login = await http.PostAsJsonAsync("/auth/login", new { email, password = Password }))
        {
            login.EnsureSuccessStatusCode();
        }

        var dashboard = $"/console?location={site.LocationId}";
        var events = Channel.CreateUnbounded<string>();
        using var stop = new CancellationTokenSource();
        var stream = await http.GetAsync(
            new Uri($"/console/live?location={site.LocationId}&since={DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}", UriKind.Relative),
            HttpCompletionOption.ResponseHeadersRead);
        stream.EnsureSuccessStatusCode();
        var reading = ReadEventsAsync(stream, events.Writer, stop.Token);

        var streamed = new List<double>();
        var visible = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            while (events.Reader.TryRead(out _))
            {
            }

            var before = Count(await http.GetStringAsync(new Uri(dashboard, UriKind.Relative)), Shown);
            var started = Stopwatch.GetTimestamp();
            await site.Reader!.SetContactAsync(site.DoorId, open: true);
            while (true)
            {
                var name = await ReadAsync(events.Reader);
                if (name != "alarms")
                {
                    continue;
                }

                var heard = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var page = await http.GetStringAsync(new Uri(dashboard, UriKind.Relative));
                if (Count(page, Shown) > before)
                {
                    streamed.Add(heard);
                    visible.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    break;
                }
            }

            await site.Reader.SetContactAsync(site.DoorId, open: false);
            await QuietAsync(events.Reader);
        }

        await stop.CancelAsync();
        stream.Dispose();
        await reading;
        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        Console.WriteLine($"console-alarm: {rounds} doors forced open at the sim, hub + edge + sim processes, {Environment.ProcessorCount} cores, load average {load} at the end");
        Console.WriteLine($"  sim contact open -> alarms event on the live stream:  {Percentiles.Of(streamed).Format("ms")}");
        Console.WriteLine($"  sim contact open -> dashboard lists the alarm:        {Percentiles.Of(visible).Format("ms")}");
        return 0;
    }

    private static async Task ReadEventsAsync(HttpResponseMessage stream, ChannelWriter<string> events, CancellationToken cancellationToken)
    {
        try
        {
            using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(cancellationToken));
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    events.TryWrite(line["event: ".Length..]);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The benchmark closed the stream.
        }
    }

    private static async Task<string> ReadAsync(ChannelReader<string> events)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await events.ReadAsync(timeout.Token);
    }

    /// <summary>Waits until the stream has said nothing for a second (the door's close and its reports are through).</summary>
    private static async Task QuietAsync(ChannelReader<string> events)
    {
        while (true)
        {
            using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                await events.ReadAsync(quiet.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static int Count(string page, string text)
    {
        var count = 0;
        for (var at = page.IndexOf(text, StringComparison.Ordinal); at >= 0; at = page.IndexOf(text, at + text.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
