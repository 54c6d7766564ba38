using Coworking.Proto.V1;

namespace Coworking.Edge.Cache;

/// <summary>
/// Weekly windows in a location's wall-clock time. Evaluated on local weekday and minute, so a
/// window means what the operator typed on both DST change days (a skipped hour simply never comes,
/// a repeated hour is inside the window both times).
/// </summary>
public sealed class WeeklySchedule
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
