using Coworking.Edge.Decisions;
using Coworking.Edge.Tests.Support;
using static Coworking.Testing.ChangeLog;

namespace Coworking.Edge.Tests.Decisions;

/// <summary>Weekly windows are wall-clock windows in the location's zone, on the days the clocks change too.</summary>
public sealed class DaylightSavingTests
{
    [Theory]
    // London spring forward, Sunday 30 March 2025: 01:00 GMT becomes 02:00 BST. Window 01:00-03:00 local.
    [InlineData("Europe/London", "2025-03-30T00:59:00Z", 1, 0, 3, 0, false)] // 00:59 GMT
    [InlineData("Europe/London", "2025-03-30T01:00:00Z", 1, 0, 3, 0, true)]  // 02:00 BST
    [InlineData("Europe/London", "2025-03-30T01:59:00Z", 1, 0, 3, 0, true)]  // 02:59 BST
    [InlineData("Europe/London", "2025-03-30T02:00:00Z", 1, 0, 3, 0, false)] // 03:00 BST
    // London fall back, Sunday 26 October 2025: 02:00 BST becomes 01:00 GMT. Window 01:00-02:00 local, lived twice.
    [InlineData("Europe/London", "2025-10-25T23:30:00Z", 1, 0, 2, 0, false)] // 00:30 BST
    [InlineData("Europe/London", "2025-10-26T00:30:00Z", 1, 0, 2, 0, true)]  // 01:30 BST
    [InlineData("Europe/London", "2025-10-26T01:30:00Z", 1, 0, 2, 0, true)]  // 01:30 GMT
    [InlineData("Europe/London", "2025-10-26T02:00:00Z", 1, 0, 2, 0, false)] // 02:00 GMT
    // New York spring forward, Sunday 9 March 2025: 02:00 EST becomes 03:00 EDT. Window 03:00-04:00 local.
    [InlineData("America/New_York", "2025-03-09T06:59:00Z", 3, 0, 4, 0, false)] // 01:59 EST
    [InlineData("America/New_York", "2025-03-09T07:00:00Z", 3, 0, 4, 0, true)]  // 03:00 EDT
    [InlineData("America/New_York", "2025-03-09T07:30:00Z", 3, 0, 4, 0, true)]  // 03:30 EDT
    [InlineData("America/New_York", "2025-03-09T08:00:00Z", 3, 0, 4, 0, false)] // 04:00 EDT
    // New York fall back, Sunday 2 November 2025: 02:00 EDT becomes 01:00 EST. Window 01:00-02:00 local, lived twice.
    [InlineData("America/New_York", "2025-11-02T04:59:00Z", 1, 0, 2, 0, false)] // 00:59 EDT
    [InlineData("America/New_York", "2025-11-02T05:30:00Z", 1, 0, 2, 0, true)]  // 01:30 EDT
    [InlineData("America/New_York", "2025-11-02T06:30:00Z", 1, 0, 2, 0, true)]  // 01:30 EST
    [InlineData("America/New_York", "2025-11-02T07:00:00Z", 1, 0, 2, 0, false)] // 02:00 EST
    public void Sunday_window_follows_the_local_clock(string zone, string instant, int fromHour, int fromMinute, int toHour, int toMinute, bool inside)
    {
        using var cache = new CacheBuilder();
        var window = Window(DayOfWeek.Sunday, fromHour, fromMinute, toHour, toMinute);
        cache.Apply(Location(zone), Door("front"), Door("night", schedule: window), Holder("alice"), Card("card", "alice", 1, 7),
            Grant("by-grant", "alice", ["front"], null, null, null, window), Grant("by-door", "alice", ["night"]));
        var engine = new DecisionEngine(cache.Cache);
        var at = DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);

        var expected = inside ? DecisionReason.Granted : DecisionReason.OutsideSchedule;
        Assert.Equal(expected, engine.Decide(Presentation.ForCard("front", "r1", 1, 7), at).Reason);
        Assert.Equal(expected, engine.Decide(Presentation.ForCard("night", "r2", 1, 7), at).Reason);
    }

    [Fact]
    public void Weekly_window_is_refused_without_the_location_zone_rather_than_guessed()
    {
        using var cache = new CacheBuilder();
        cache.Apply(Door("front"), Holder("alice"), Card("card", "alice", 1, 7),
            Grant("g", "alice", null, null, null, null, Window(DayOfWeek.Sunday, 0, 0, 24, 0)));

        var decision = new DecisionEngine(cache.Cache).Decide(Presentation.ForCard("front", "r1", 1, 7), new DateTimeOffset(2025, 3, 30, 12, 0, 0, TimeSpan.Zero));

        Assert.Equal(DecisionReason.OutsideSchedule, decision.Reason);
    }
}
