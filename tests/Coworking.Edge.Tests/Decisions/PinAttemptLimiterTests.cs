using Coworking.Edge.Configuration;
using Coworking.Edge.Decisions;
using Coworking.Edge.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Coworking.Edge.Tests.Decisions;

/// <summary>The wrong-PIN limits on their real LiteDB file.</summary>
public sealed class PinAttemptLimiterTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 4, 10, 0, 0, TimeSpan.Zero));
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Lockout_of_a_keypad_and_of_a_card_is_still_in_force_after_the_edge_restarts()
    {
        var path = _directory.File("pin-attempts.db");
        var started = new List<PinLockout>();
        using (var limiter = PinAttemptLimiter.Open(path, new PinLimitOptions(), _time))
        {
            for (var i = 0; i < 5; i++)
            {
                started.AddRange(limiter.RecordFailure("front-in", "alice-card"));
            }
        }

        _time.Advance(TimeSpan.FromSeconds(10));
        using var reopened = PinAttemptLimiter.Open(path, new PinLimitOptions(), _time);

        Assert.Equal([PinLockoutScope.Reader, PinLockoutScope.Credential], started.Select(l => l.Scope));
        Assert.True(reopened.IsReaderLockedOut("front-in", pinAlone: true));
        Assert.True(reopened.IsCredentialLockedOut("alice-card"));
        Assert.False(reopened.IsReaderLockedOut("front-out", pinAlone: true));
        Assert.Equal(["front-in", "alice-card"], reopened.Lockouts.Select(l => l.Key).Order().Reverse());
    }

    [Fact]
    public void Failures_short_of_a_lockout_are_still_counted_after_a_restart()
    {
        var path = _directory.File("pin-attempts.db");
        using (var limiter = PinAttemptLimiter.Open(path, new PinLimitOptions(), _time))
        {
            for (var i = 0; i < 4; i++)
            {
                limiter.RecordFailure("front-in", null);
            }
        }

        using var reopened = PinAttemptLimiter.Open(path, new PinLimitOptions(), _time);
        var started = reopened.RecordFailure("front-in", null);

        Assert.Equal(PinLockoutScope.Reader, Assert.Single(started).Scope);
        Assert.Equal(_time.GetUtcNow().AddSeconds(300), started[0].LockedUntil);
    }

    [Fact]
    public void Lockout_ends_after_its_time_and_the_reader_counts_afresh()
    {
        using var limiter = PinAttemptLimiter.Open(_directory.File("pin-attempts.db"), new PinLimitOptions(), _time);
        for (var i = 0; i < 5; i++)
        {
            limiter.RecordFailure("front-in", null);
        }

        _time.Advance(TimeSpan.FromSeconds(301));

        Assert.False(limiter.IsReaderLockedOut("front-in", pinAlone: true));
        Assert.Empty(limiter.RecordFailure("front-in", null));
        Assert.Empty(limiter.Lockouts);
    }
}
