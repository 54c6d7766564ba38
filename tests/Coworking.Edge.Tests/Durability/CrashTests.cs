using System.Diagnostics;
using System.Globalization;
using Coworking.Edge.Cache;
using Coworking.Edge.Configuration;
using Coworking.Edge.CrashWriter;
using Coworking.Edge.Decisions;
using Coworking.Edge.Outbox;
using Coworking.Edge.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Coworking.Edge.Tests.Durability;

/// <summary>
/// kill -9 at random moments while a child process writes the cache and the outbox flat out; after
/// every kill the files must reopen consistent and keep every event the child reported as written.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Kills = 100;

    [Fact]
    public async Task Cache_and_outbox_survive_a_hundred_kill_9s_at_random_moments()
    {
        using var directory = new TempDirectory();
        var random = new Random(20250604);
        var written = new HashSet<string>(StringComparer.Ordinal);

        // An acknowledger may see an event before its appender has printed it, so keep both sets whole.
        var acknowledged = new HashSet<string>(StringComparer.Ordinal);
        long reportedSeq = 0;
        var killedBeforeReady = 0;

        for (var kill = 1; kill <= Kills; kill++)
        {
            // One kill in four lands anywhere from process start (often inside LiteDB's recovery of the
            // previous kill); the others while the writer is busy.
            var fromStart = random.Next(4) == 0;
            var run = await RunAndKillAsync(directory.Path, fromStart, TimeSpan.FromMilliseconds(random.Next(fromStart ? 400 : 250)));
            killedBeforeReady += run.Ready ? 0 : 1;
            foreach (var line in run.Lines)
            {
                switch (line[0])
                {
                    case 'W':
                        written.Add(line[2..]);
                        break;
                    case 'a':
                        acknowledged.UnionWith(line[2..].Split(' '));
                        break;
                    case 'S':
                        reportedSeq = long.Parse(line[2..], CultureInfo.InvariantCulture);
                        break;
                }
            }

            using (var cache = GrantCache.Open(directory.File("cache.db"), new FakeTimeProvider(), Logs.For<GrantCache>()))
            {
                var index = cache.Index;
                Assert.True(CrashScenario.Inconsistency(index) is null, $"kill {kill}: {CrashScenario.Inconsistency(index)}");
                Assert.True(index.Seq >= reportedSeq, $"kill {kill}: cache at seq {index.Seq}, but seq {reportedSeq} was reported applied");
                if (CrashScenario.BatchEndingAt(index.Seq) is > 0 and var n)
                {
                    var decision = DecisionEngine.Decide(index, Presentation.ForCard("d1", "r", 1, (ulong)n), DateTimeOffset.UnixEpoch);
                    Assert.Equal(DecisionReason.NoGrantForDoor, decision.Reason);
                }

                reportedSeq = index.Seq;
            }

            var outbox = EventOutbox.Open(directory.File("outbox.db"), new OutboxOptions(), new FakeTimeProvider(), Logs.For<EventOutbox>());
            try
            {
                var present = outbox.ReadBatch(int.MaxValue).Select(e => e.Id.ToString("N")).ToHashSet(StringComparer.Ordinal);
                var missing = written.Where(id => !present.Contains(id) && !acknowledged.Contains(id)).ToList();
                Assert.True(missing.Count == 0, $"kill {kill}: {missing.Count} events reported written are missing, e.g. {missing.FirstOrDefault()}");
                Assert.Equal(present.Count, outbox.Depth);
            }
            finally
            {
                outbox.Dispose();
            }
        }

        output.WriteLine($"{Kills} kills ({killedBeforeReady} during start-up or recovery), cache at seq {reportedSeq}, {written.Count} events reported written, {acknowledged.Count} acknowledged");
    }

    private static async Task<Run> RunAndKillAsync(string directory, bool fromStart, TimeSpan after)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writer = Path.Combine(AppContext.BaseDirectory, "Coworking.Edge.CrashWriter.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(writer);
        start.ArgumentList.Add(directory);
        var lines = new List<string>();
        var errors = new List<string>();
        using var child = new Process { StartInfo = start };
        child.OutputDataReceived += (_, e) =>
        {
            // A line the kill cut short has no end marker and promises nothing.
            if (e.Data is { } line && line.EndsWith(" .", StringComparison.Ordinal))
            {
                lock (lines)
                {
                    lines.Add(line[..^2]);
                }

                if (line.StartsWith("ready", StringComparison.Ordinal))
                {
                    ready.TrySetResult();
                }
            }
        };
        child.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (errors)
                {
                    errors.Add(line);
                }
            }
        };
        child.Start();
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        if (!fromStart)
        {
            await Task.WhenAny(ready.Task, child.WaitForExitAsync(timeout.Token));
        }

        await Task.Delay(after);
        var exitedEarly = child.HasExited;
        if (!exitedEarly)
        {
            child.Kill();
        }

        await child.WaitForExitAsync(timeout.Token);
        Assert.False(exitedEarly, "the crash writer stopped by itself: " + string.Join('\n', errors));
        lock (lines)
        {
            return new Run(lines.Any(l => l.StartsWith("ready", StringComparison.Ordinal)), [.. lines.Where(l => !l.StartsWith("ready", StringComparison.Ordinal))]);
        }
    }

    private sealed record Run(bool Ready, IReadOnlyList<string> Lines);
}
