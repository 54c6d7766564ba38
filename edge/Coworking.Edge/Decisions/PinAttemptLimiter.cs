using Coworking.Edge.Configuration;

namespace Coworking.Edge.Decisions;

/// <summary>
/// Counts wrong PINs per reader and per card (for card + PIN), and locks either out for a while
/// after too many inside the window: guessing at one keypad, or with one stolen card, stops.
/// </summary>
public sealed class PinAttemptLimiter(PinLimitOptions options, TimeProvider time)
{
    private const int SweepAbove = 4096;

    private readonly Lock _sync = new();
    private readonly Dictionary<string, Attempts> _readers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Attempts> _credentials = new(StringComparer.Ordinal);
    private readonly TimeSpan _window = TimeSpan.FromSeconds(options.WindowSeconds);
    private readonly TimeSpan _lockout = TimeSpan.FromSeconds(options.LockoutSeconds);

    public bool IsLockedOut(string readerId, string? credentialId)
    {
        var now = time.GetUtcNow();
        lock (_sync)
        {
            return LockedAt(_readers, readerId, now) || (credentialId is not null && LockedAt(_credentials, credentialId, now));
        }
    }

    /// <summary>Counts a wrong PIN at the reader, and against the card when one was presented with it.</summary>
    public void RecordFailure(string readerId, string? credentialId)
    {
        var now = time.GetUtcNow();
        lock (_sync)
        {
            Count(_readers, readerId, now);
            if (credentialId is not null)
            {
                Count(_credentials, credentialId, now);
            }
        }
    }

    /// <summary>The card's holder knows the PIN after all: forget their earlier typos.</summary>
    public void RecordSuccess(string credentialId)
    {
        lock (_sync)
        {
            _credentials.Remove(credentialId);
        }
    }

    private static bool LockedAt(Dictionary<string, Attempts> table, string key, DateTimeOffset now) =>
        table.TryGetValue(key, out var attempts) && attempts.LockedUntil > now;

    private void Count(Dictionary<string, Attempts> table, string key, DateTimeOffset now)
    {
        if (table.Count > SweepAbove)
        {
            foreach (var stale in table.Where(e => e.Value.IsIdle(now, _window)).Select(e => e.Key).ToList())
            {
                table.Remove(stale);
            }
        }

        if (!table.TryGetValue(key, out var attempts))
        {
            attempts = new Attempts();
            table[key] = attempts;
        }

        attempts.Add(now, _window);
        if (attempts.Failures.Count >= options.MaxFailures)
        {
            attempts.LockedUntil = now + _lockout;
            attempts.Failures.Clear();
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
