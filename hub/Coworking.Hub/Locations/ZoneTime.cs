using System.Text.Json.Serialization;

namespace Coworking.Hub.Locations;

/// <summary>An instant interval [Start, End).</summary>
public readonly record struct Interval(DateTimeOffset Start, DateTimeOffset End)
{
    [JsonIgnore]
    public TimeSpan Length => End - Start;

    public bool Contains(Interval other) => Start <= other.Start && other.End <= End;

    public bool Overlaps(Interval other) => Start < other.End && other.Start < End;

    /// <summary>How much of this interval lies inside <paramref name="other"/>.</summary>
    public TimeSpan OverlapWith(Interval other)
    {
        var start = Start > other.Start ? Start : other.Start;
        var end = End < other.End ? End : other.End;
        return end > start ? end - start : TimeSpan.Zero;
    }
}

/// <summary>
/// Wall-clock times of a location's IANA zone as instants, DST-correct: a day is 23, 24 or 25 hours long;
/// a local time that does not exist (the spring-forward gap) moves forward by the gap, and one that occurs
/// twice (the autumn overlap) is its first occurrence.
/// </summary>
public static class ZoneTime
{
    public static TimeZoneInfo Zone(string ianaId) => TimeZoneInfo.FindSystemTimeZoneById(ianaId);

    /// <summary>
    /// Why <paramref name="id"/> is not a zone a location may have, or null: it must be a canonical IANA id spelled exactly
    /// (Europe/London, not europe/london, GB or Europe/Belfast) of a real place (not Factory), known to this machine.
    /// Windows ids would resolve on some machines, but the edge and every report expect IANA.
    /// </summary>
    public static string? CanonicalProblem(string id)
    {
        var canonical = NodaTime.TimeZones.TzdbDateTimeZoneSource.Default.CanonicalIdMap;
        var known = canonical.Keys.FirstOrDefault(k => string.Equals(k, id, StringComparison.OrdinalIgnoreCase));
        if (known is null || !TimeZoneInfo.TryFindSystemTimeZoneById(canonical[known], out var zone) || !zone.HasIanaId
            || !TimeZoneInfo.TryConvertIanaIdToWindowsId(canonical[known], out _))
        {
            return "must be an IANA time zone id such as Europe/London";
        }

        return canonical[known] == id ? null : $"must be the canonical IANA id, spelled exactly: {canonical[known]}";
    }

    /// <summary>The instant of <paramref name="minuteOfDay"/> (0..1440) on a local date.</summary>
    public static DateTimeOffset At(DateOnly date, int minuteOfDay, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue).AddMinutes(minuteOfDay);
        if (zone.IsInvalidTime(local))
        {
            // Counting from the offset in force before the gap lands as many minutes past the gap.
            var before = zone.GetUtcOffset(local.AddDays(-1));
            return new DateTimeOffset(local - before, TimeSpan.Zero);
        }

        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    /// <summary>The local date an instant falls on.</summary>
    public static DateOnly DateOf(DateTimeOffset instant, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);

    /// <summary>The instant as the location's wall clock shows it, with the offset then in force.</summary>
    public static DateTimeOffset Local(DateTimeOffset instant, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(instant, zone);

    /// <summary>Local midnight to the next local midnight.</summary>
    public static Interval Day(DateOnly date, TimeZoneInfo zone) => new(At(date, 0, zone), At(date.AddDays(1), 0, zone));

    /// <summary>The calendar month holding <paramref name="date"/>, from its first local midnight to the next month's.</summary>
    public static Interval Month(DateOnly date, TimeZoneInfo zone)
    {
        var first = new DateOnly(date.Year, date.Month, 1);
        return new Interval(At(first, 0, zone), At(first.AddMonths(1), 0, zone));
    }

    /// <summary>Local dates from the one holding <paramref name="interval"/>'s start to the one holding its last instant.</summary>
    public static IEnumerable<DateOnly> DatesOf(Interval interval, TimeZoneInfo zone)
    {
        var last = DateOf(interval.End.AddTicks(-1), zone);
        for (var date = DateOf(interval.Start, zone); date <= last; date = date.AddDays(1))
        {
            yield return date;
        }
    }
}
