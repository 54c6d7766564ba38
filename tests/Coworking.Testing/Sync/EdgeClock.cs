using System.Globalization;

namespace Coworking.Testing.Sync;

/// <summary>
/// The wall clock of an edge process run under libfaketime (Debian's libfaketime, installed by
/// deploy/local/install-deps.sh): the process reads its offset from real time from a file on every clock read, so
/// a test moves the edge's time to any instant while the process runs. Only the wall clock moves; the monotonic
/// clock (timers, Stopwatch, Task.Delay, keep-alive pings) keeps its real pace, so nothing fires early or late.
/// </summary>
public sealed class EdgeClock : IDisposable
{
    // The pthread-synchronised build: the plain libfaketime.so.1 keeps its state in unsynchronised statics, and in a
    // process with many threads a clock read made while another thread re-read the offset file now and then returned
    // the real time (3 of 446 door decisions over a simulated week, docs/EDGE.md §7).
    private const string Library = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

    private readonly string _offsetFile = Path.Combine(Path.GetTempPath(), $"coworking-edge-clock-{Guid.NewGuid():N}");

    private readonly int? _cacheSeconds;

    /// <param name="cacheSeconds">
    /// Null: the process reads the offset file on every clock read, so a move applies at once. A number: it reads it at
    /// most that often, so a move applies within that many seconds, and a clock read costs a file read only that often
    /// (every read is serialised through the library's lock; a long run under load wants few).
    /// </param>
    public EdgeClock(int? cacheSeconds = null)
    {
        _cacheSeconds = cacheSeconds;
        Offset(TimeSpan.Zero);
    }

    /// <summary>The environment that puts a process on this clock.</summary>
    public IReadOnlyDictionary<string, string> Environment
    {
        get
        {
            var environment = new Dictionary<string, string>
            {
                ["LD_PRELOAD"] = File.Exists(Library) ? Library : throw new FileNotFoundException("libfaketime is missing: run deploy/local/install-deps.sh", Library),
                ["FAKETIME_TIMESTAMP_FILE"] = _offsetFile,
                ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1",
                // Without this, libfaketime 0.9.10 makes .NET's timed waits on the monotonic clock return at once.
                ["FAKETIME_FORCE_MONOTONIC_FIX"] = "0",
            };
            if (_cacheSeconds is { } seconds)
            {
                environment["FAKETIME_CACHE_DURATION"] = seconds.ToString(CultureInfo.InvariantCulture);
            }
            else
            {
                environment["FAKETIME_NO_CACHE"] = "1";
            }

            return environment;
        }
    }

    /// <summary>Moves the edge's wall clock so that it reads <paramref name="instant"/> now (and runs on from there).</summary>
    public void MoveTo(DateTimeOffset instant) => Offset(instant - DateTimeOffset.UtcNow);

    private void Offset(TimeSpan offset)
    {
        var seconds = (long)Math.Round(offset.TotalSeconds);
        var temporary = _offsetFile + ".tmp";
        File.WriteAllText(temporary, (seconds >= 0 ? "+" : "") + seconds.ToString(CultureInfo.InvariantCulture) + "\n");
        File.Move(temporary, _offsetFile, overwrite: true);
    }

    public void Dispose() => File.Delete(_offsetFile);
}
