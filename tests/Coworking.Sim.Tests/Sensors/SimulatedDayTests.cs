using Coworking.Sim.Sensors;

namespace Coworking.Sim.Tests.Sensors;

/// <summary>The working day the simulated sensors play by themselves.</summary>
public sealed class SimulatedDayTests
{
    private static readonly SimDayOptions Day = new() { Seed = 7, NoShowShare = 0.15, GhostShare = 0.15 };
    private static readonly DateOnly Tuesday = new(2026, 3, 3);
    private static readonly string[] Rooms = [.. Enumerable.Range(1, 40).Select(i => $"room-{i}-presence")];

    private static int OccupiedAt(int hour, int minute = 0, DateOnly? date = null) =>
        Rooms.Count(r => SimulatedDay.At(Day, r, "presence", date ?? Tuesday, new TimeOnly(hour, minute)).Occupied);

    [Fact]
    public void Rooms_fill_between_eight_and_ten_dip_at_lunch_and_empty_between_five_and_seven()
    {
        Assert.Equal(0, OccupiedAt(7, 30));
        Assert.True(OccupiedAt(9) > 0 && OccupiedAt(9) < OccupiedAt(11), "arrivals spread over 8 to 10");
        Assert.True(OccupiedAt(12, 50) < OccupiedAt(11), "the lunch dip");
        Assert.True(OccupiedAt(18) < OccupiedAt(16) && OccupiedAt(18) > 0, "leaving spread over 17 to 19");
        Assert.Equal(0, OccupiedAt(22));
        Assert.Equal(0, OccupiedAt(11, date: new DateOnly(2026, 3, 7)));
    }

    [Fact]
    public void Some_rooms_stay_empty_all_day_and_some_are_used_in_the_evening()
    {
        var noShows = Rooms.Count(r => Enumerable.Range(0, 24 * 4).All(q => !SimulatedDay.At(Day, r, "presence", Tuesday, new TimeOnly(q / 4, q % 4 * 15)).Occupied));
        var evening = Enumerable.Range(0, 8).Max(q => OccupiedAt(19 + (q / 4), q % 4 * 15));

        Assert.InRange(noShows, 1, 20);
        Assert.True(evening > 0, "ghost use after 19:00");
    }

    [Fact]
    public void The_same_seed_plays_the_same_day_and_counters_count_people_with_co2_rising_with_them()
    {
        var first = SimulatedDay.At(Day, "lobby", "counter", Tuesday, new TimeOnly(11, 0));
        var again = SimulatedDay.At(Day, "lobby", "counter", Tuesday, new TimeOnly(11, 0));

        Assert.Equal(first, again);
        Assert.Equal(SimulatedDay.OutdoorCo2 + (first.Count * 120), first.Co2);
        Assert.Equal(first.Count > 0, first.Occupied);
    }
}
