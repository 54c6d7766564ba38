using Coworking.Edge.Cache;
using Coworking.Edge.Configuration;
using LiteDB;

namespace Coworking.Edge.Decisions;

/// <summary>Where wrong PINs were counted until a lock-out: one reader, one card (card + PIN), or the whole edge.</summary>
public enum PinLockoutScope
{
    Reader,
    Credential,
    Edge,
}

/// <param name="Key">The reader's or the card credential's id; empty for the whole edge.</param>
public sealed record PinLockout(PinLockoutScope Scope, string Key, DateTimeOffset LockedUntil)
{
    public string ScopeName => Scope switch
    {
        PinLockoutScope.Reader => "reader",
        PinLockoutScope.Credential => "credential",
        _ => "edge",
    };
}

/// <summary>
/// Counts wrong PINs per reader, per card (for card + PIN) and across the whole edge, and locks each out for a
/// while after too many inside its window: guessing at one keypad, with one stolen card, or a little at every
/// keypad of the building, stops. A locked-out reader or card decides nothing with a PIN; a locked-out edge
/// refuses every bare PIN (card + PIN still works on readers and cards that are not locked out). The counts
/// are kept in a LiteDB file beside the cache (when opened with a path), each change on disk before the
/// decision it belongs to is shown, so restarting the edge does not give a guesser a fresh start.
/// </summary>
public sealed class PinAttemptLimiter : IDisposable
{
    private const int SweepAbove = 4096;
    private const string Collection = "attempts";
    private const string EdgeKey = "edge";

    private readonly PinLimitOptions _options;
    private readonly TimeProvider _time;
    private readonly LiteDbFile? _file;
    private readonly ILiteCollection<BsonDocument>? _stored;
    private readonly Lock _sync = new();
    private readonly Dictionary<string, Attempts> _counts = new(StringComparer.Ordinal);

    /// <summary>A limiter that keeps its counts in memory only (tests, benchmarks).</summary>
    public PinAttemptLimiter(PinLimitOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    private PinAttemptLimiter(PinLimitOptions options, TimeProvider time, LiteDbFile file)
        : this(options, time)
    {
        _file = file;
        _stored = file.Database.GetCollection(Collection);
        foreach (var document in _stored.FindAll())
        {
            var attempts = new Attempts { LockedUntil = new DateTimeOffset(document["u"].AsInt64, TimeSpan.Zero) };
            foreach (var failure in document["f"].AsArray)
            {
                attempts.Failures.Enqueue(new DateTimeOffset(failure.AsInt64, TimeSpan.Zero));
            }

            _counts[document["_id"].AsString] = attempts;
        }
    }

    /// <summary>Opens (or creates) the limiter's file; an unreadable one is moved aside and counting starts afresh.</summary>
    public static PinAttemptLimiter Open(string path, PinLimitOptions options, TimeProvider time)
    {
        try
        {
            return new PinAttemptLimiter(options, time, LiteDbFile.Open(path));
        }
        catch (LiteException)
        {
            File.Move(path, path + ".corrupt");
            return new PinAttemptLimiter(options, time, LiteDbFile.Open(path));
        }
    }

    /// <summary>Whether a PIN typed at this reader is refused unheard: the reader is locked out, or for a bare PIN the whole edge is.</summary>
    public bool IsReaderLockedOut(string readerId, bool pinAlone)
    {
        var now = _time.GetUtcNow();
        lock (_sync)
        {
            return LockedAt(ReaderKey(readerId), now) || (pinAlone && LockedAt(EdgeKey, now));
        }
    }

    /// <summary>Whether PINs typed after this card are refused unheard.</summary>
    public bool IsCredentialLockedOut(string credentialId)
    {
        var now = _time.GetUtcNow();
        lock (_sync)
        {
            return LockedAt(CredentialKey(credentialId), now);
        }
    }

    /// <summary>The lock-outs in force, for the status page.</summary>
    public IReadOnlyList<PinLockout> Lockouts
    {
        get
        {
            var now = _time.GetUtcNow();
            lock (_sync)
            {
                return [.. _counts.Where(c => c.Value.LockedUntil > now).Select(c => ToLockout(c.Key, c.Value.LockedUntil)).OrderBy(l => l.Scope).ThenBy(l => l.Key, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>
    /// Counts a wrong PIN at the reader, against the card when one was presented with it, and against the edge; answers
    /// the lock-outs this failure started.
    /// </summary>
    public IReadOnlyList<PinLockout> RecordFailure(string readerId, string? credentialId)
    {
        var now = _time.GetUtcNow();
        var started = new List<PinLockout>();
        lock (_sync)
        {
            Sweep(now);
            Count(ReaderKey(readerId), _options.MaxFailures, TimeSpan.FromSeconds(_options.WindowSeconds), TimeSpan.FromSeconds(_options.LockoutSeconds), now, started);
            if (credentialId is not null)
            {
                Count(CredentialKey(credentialId), _options.MaxFailures, TimeSpan.FromSeconds(_options.WindowSeconds), TimeSpan.FromSeconds(_options.LockoutSeconds), now, started);
            }

            Count(EdgeKey, _options.EdgeMaxFailures, TimeSpan.FromSeconds(_options.EdgeWindowSeconds), TimeSpan.FromSeconds(_options.EdgeLockoutSeconds), now, started);
            _file?.MakeDurable();
        }

        return started;
    }

    /// <summary>The card's holder knows the PIN after all: forget their earlier typos.</summary>
    public void RecordSuccess(string credentialId)
    {
        lock (_sync)
        {
            if (_counts.Remove(CredentialKey(credentialId)) && _stored is not null)
            {
                _stored.Delete(CredentialKey(credentialId));
                _file!.MakeDurable();
            }
        }
    }

    public void Dispose() => _file?.Dispose();

    private static string ReaderKey(string readerId) => "reader:" + readerId;

    private static string CredentialKey(string credentialId) => "credential:" + credentialId;

    private static PinLockout ToLockout(string key, DateTimeOffset until) => key switch
    {
        EdgeKey => new PinLockout(PinLockoutScope.Edge, "", until),
        _ when key.StartsWith("reader:", StringComparison.Ordinal) => new PinLockout(PinLockoutScope.Reader, key["reader:".Length..], until),
        _ => new PinLockout(PinLockoutScope.Credential, key["credential:".Length..], until),
    };

    private bool LockedAt(string key, DateTimeOffset now) => _counts.TryGetValue(key, out var attempts) && attempts.LockedUntil > now;

    private void Count(string key, int maxFailures, TimeSpan window, TimeSpan lockout, DateTimeOffset now, List<PinLockout> started)
    {
        if (!_counts.TryGetValue(key, out var attempts))
        {
            attempts = new Attempts();
            _counts[key] = attempts;
        }

        attempts.Add(now, window);
        if (attempts.Failures.Count >= maxFailures)
        {
            attempts.LockedUntil = now + lockout;
            attempts.Failures.Clear();
            started.Add(ToLockout(key, attempts.LockedUntil));
        }

        _stored?.Upsert(new BsonDocument
        {
            ["_id"] = key,
            ["u"] = attempts.LockedUntil.UtcTicks,
            ["f"] = new BsonArray(attempts.Failures.Select(f => new BsonValue(f.UtcTicks))),
        });
    }

    private void Sweep(DateTimeOffset now)
    {
        if (_counts.Count <= SweepAbove)
        {
            return;
        }

        var idleAfter = TimeSpan.FromSeconds(Math.Max(_options.WindowSeconds, _options.EdgeWindowSeconds));
        foreach (var stale in _counts.Where(e => e.Value.IsIdle(now, idleAfter)).Select(e => e.Key).ToList())
        {
            _counts.Remove(stale);
            _stored?.Delete(stale);
        }
    }

    private sealed class Attempts
    {
        public Queue<DateTimeOffset> Failures { get; } = new();

        public DateTimeOffset LockedUntil { get; set; }

        public void Add(DateTimeOffset now, TimeSpan window)
        {
            while (Failures.TryPeek(out var oldest) && oldest <= now - window)
            {
                Failures.Dequeue();
            }

            Failures.Enqueue(now);
        }

        public bool IsIdle(DateTimeOffset now, TimeSpan window) =>
            LockedUntil <= now && (Failures.Count == 0 || Failures.Last() <= now - window);
    }
}
