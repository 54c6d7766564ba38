using Coworking.Proto.V1;

namespace Coworking.Edge.Cache;

/// <summary>
/// Weekly windows in a location's wall-clock time. Evaluated on local weekday and minute, so a
/// window means what the operator typed on both DST change days (a skipped hour simply never comes,
/// a repeated hour is inside the window both times). Equal when their windows are equal, so an index
/// keeps one instance per distinct schedule however many grants name it.
/// </summary>
public sealed class WeeklySchedule : IEquatable<WeeklySchedule>
{
    private readonly Window[][] _days;

    private WeeklySchedule(Window[][] days, bool isAllHours)
    {
        _days = days;
        IsAllHours = isAllHours;
    }

    /// <summary>The schedule of an empty window list: open at all hours.</summary>
    public static WeeklySchedule AllHours { get; } = new(EmptyDays(), isAllHours: true);

    public bool IsAllHours { get; }

    /// <summary>
    /// Builds a schedule, or says why the windows are unusable. A list with a bad window is refused as a
    /// whole: dropping the window instead could leave an empty list, which would mean all hours.
    /// </summary>
    public static bool TryCreate(IReadOnlyCollection<WeeklyWindow> windows, out WeeklySchedule schedule, out string? problem)
    {
        schedule = AllHours;
        problem = null;
        if (windows.Count == 0)
        {
            return true;
        }

        var days = new List<Window>[7];
        foreach (var window in windows)
        {
            if (window.Weekday is < 0 or > 6)
            {
                problem = $"weekday {window.Weekday} is not 0..6";
                return false;
            }

            if (window.StartMinute < 0 || window.EndMinute > 1440 || window.EndMinute <= window.StartMinute)
            {
                problem = $"window {window.StartMinute}..{window.EndMinute} is not inside 0..1440 or is empty";
                return false;
            }

            (days[window.Weekday] ??= []).Add(new Window((short)window.StartMinute, (short)window.EndMinute));
        }

        schedule = new WeeklySchedule(days.Select(d => d?.ToArray() ?? []).ToArray(), isAllHours: false);
        return true;
    }

    public bool Contains(LocalTime local)
    {
        if (IsAllHours)
        {
            return true;
        }

        foreach (var window in _days[(int)local.Day])
        {
            if (local.Minute >= window.Start && local.Minute < window.End)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The start minute of the window holding <paramref name="local"/>; false when none does (or for all hours).</summary>
    public bool TryGetWindowStart(LocalTime local, out int startMinute)
    {
        startMinute = 0;
        if (IsAllHours)
        {
            return false;
        }

        foreach (var window in _days[(int)local.Day])
        {
            if (local.Minute >= window.Start && local.Minute < window.End)
            {
                startMinute = window.Start;
                return true;
            }
        }

        return false;
    }

    /// <summary>The windows, day by day, as the hub would send them (empty for all hours).</summary>
    public IEnumerable<WeeklyWindow> Windows()
    {
        for (var day = 0; day < _days.Length; day++)
        {
            foreach (var window in _days[day])
            {
                yield return new WeeklyWindow { Weekday = day, StartMinute = window.Start, EndMinute = window.End };
            }
        }
    }

    public bool Equals(WeeklySchedule? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || IsAllHours != other.IsAllHours)
        {
            return false;
        }

        for (var day = 0; day < _days.Length; day++)
        {
            if (!_days[day].AsSpan().SequenceEqual(other._days[day]))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as WeeklySchedule);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(IsAllHours);
        foreach (var day in _days)
        {
            hash.Add(day.Length);
            foreach (var window in day)
            {
                hash.Add(window);
            }
        }

        return hash.ToHashCode();
    }

    private static Window[][] EmptyDays() => Enumerable.Range(0, 7).Select(_ => Array.Empty<Window>()).ToArray();

    private readonly record struct Window(short Start, short End);
}

/// <summary>An instant as the location's clocks show it: weekday and minute after local midnight.</summary>
public readonly record struct LocalTime(DayOfWeek Day, int Minute)
{
    public static LocalTime Of(DateTimeOffset instant, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        return new LocalTime(local.DayOfWeek, (local.Hour * 60) + local.Minute);
    }
}
