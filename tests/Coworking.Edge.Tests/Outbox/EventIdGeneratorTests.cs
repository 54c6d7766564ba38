using Coworking.Edge.Outbox;
using Microsoft.Extensions.Time.Testing;

namespace Coworking.Edge.Tests.Outbox;

public sealed class EventIdGeneratorTests
{
    [Fact]
    public void Ids_are_uuid_v7_carrying_the_millisecond_they_were_made()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 6, 4, 10, 0, 0, 123, TimeSpan.Zero));

        var id = new EventIdGenerator(time).Next();

        Assert.Equal(7, id.Version);
        Assert.Equal(time.GetUtcNow().ToUnixTimeMilliseconds(), Convert.ToInt64(id.ToString("N")[..12], 16));
    }

    [Fact]
    public void Ids_keep_growing_within_a_millisecond_and_when_the_clock_steps_back()
    {
        var time = new SettableClock { Now = new DateTimeOffset(2025, 6, 4, 10, 0, 0, TimeSpan.Zero) };
        var ids = new EventIdGenerator(time);
        var made = new List<Guid>();
        for (var i = 0; i < 10_000; i++)
        {
            made.Add(ids.Next());
        }

        time.Now = time.Now.AddMinutes(-5);
        made.Add(ids.Next());

        Assert.Equal(made, made.Order());
        Assert.Equal(made.Count, made.Distinct().Count());
    }

    [Fact]
    public void Ids_continue_after_the_newest_recorded_one()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 6, 4, 10, 0, 0, TimeSpan.Zero));
        var before = new EventIdGenerator(time);
        var last = Enumerable.Range(0, 50).Select(_ => before.Next()).Last();

        var after = new EventIdGenerator(time);
        after.ContinueAfter(last);

        Assert.True(after.Next().CompareTo(last) > 0);
    }

    /// <summary>A clock that can step back, as a real one does when NTP corrects it.</summary>
    private sealed class SettableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
