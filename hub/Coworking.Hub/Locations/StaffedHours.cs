using System.Globalization;
using System.Text.Json.Serialization;
using Coworking.Hub.Http;
using Coworking.Proto.V1;

namespace Coworking.Hub.Locations;

/// <summary>An opening window of one day, local time "HH:mm"; close may be "24:00".</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record OpenWindow(string Open, string Close);

/// <summary>When a location is staffed, per weekday, in its time zone. A missing day is closed; a key that is no weekday is refused.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StaffedHours(
    IReadOnlyList<OpenWindow>? Monday = null,
    IReadOnlyList<OpenWindow>? Tuesday = null,
    IReadOnlyList<OpenWindow>? Wednesday = null,
    IReadOnlyList<OpenWindow>? Thursday = null,
    IReadOnlyList<OpenWindow>? Friday = null,
    IReadOnlyList<OpenWindow>? Saturday = null,
    IReadOnlyList<OpenWindow>? Sunday = null)
{
    private IEnumerable<(DayOfWeek Day, string Name, IReadOnlyList<OpenWindow> Windows)> Days =>
        new (DayOfWeek, string, IReadOnlyList<OpenWindow>?)[]
        {
            (DayOfWeek.Monday, "monday", Monday), (DayOfWeek.Tuesday, "tuesday", Tuesday),
            (DayOfWeek.Wednesday, "wednesday", Wednesday), (DayOfWeek.Thursday, "thursday", Thursday),
            (DayOfWeek.Friday, "friday", Friday), (DayOfWeek.Saturday, "saturday", Saturday),
            (DayOfWeek.Sunday, "sunday", Sunday),
        }.Where(d => d.Item3 is not null).Select(d => (d.Item1, d.Item2, d.Item3!));

    /// <summary>Each window must be HH:mm to HH:mm with open before close, and a day's windows must not overlap.</summary>
    internal void Validate(string field, ValidationErrors errors)
    {
        foreach (var (_, name, windows) in Days)
        {
            var previousClose = -1;
            for (var i = 0; i < windows.Count; i++)
            {
                var at = $"{field}.{name}[{i}]";
                if (windows[i] is null)
                {
                    errors.Add(at, "must be a window with open and close");
                    continue;
                }

                var open = Minutes(windows[i].Open);
                var close = Minutes(windows[i].Close);
                if (open is null or 1440)
                {
                    errors.Add($"{at}.open", "must be a time HH:mm from 00:00 to 23:59");
                }
                else if (close is null)
                {
                    errors.Add($"{at}.close", "must be a time HH:mm from 00:01 to 24:00");
                }
                else if (close <= open)
                {
                    errors.Add($"{at}.close", "must be after open");
                }
                else if (open < previousClose)
                {
                    errors.Add($"{at}.open", "must not be before the previous window closes");
                }
                else
                {
                    previousClose = close.Value;
                }
            }
        }
    }

    /// <summary>The windows as the change log carries them (minutes after local midnight).</summary>
    internal IEnumerable<WeeklyWindow> ToWeeklyWindows() =>
        Days.SelectMany(d => d.Windows.Select(w => new WeeklyWindow
        {
            Weekday = (int)d.Day,
            StartMinute = Minutes(w.Open) ?? 0,
            EndMinute = Minutes(w.Close) ?? 0,
        }));

    /// <summary>
    /// The windows of the local dates from <paramref name="from"/> to <paramref name="to"/> as instants in
    /// order, a window closing at 24:00 joined to one opening at 00:00 the next day.
    /// </summary>
    internal List<Interval> Intervals(DateOnly from, DateOnly to, TimeZoneInfo zone)
    {
        var intervals = new List<Interval>();
        for (var date = from; date <= to; date = date.AddDays(1))
        {
            foreach (var window in Days.Where(d => d.Day == date.DayOfWeek).SelectMany(d => d.Windows))
            {
                var next = new Interval(ZoneTime.At(date, Minutes(window.Open) ?? 0, zone), ZoneTime.At(date, Minutes(window.Close) ?? 0, zone));
                if (intervals.Count > 0 && intervals[^1].End >= next.Start)
                {
                    intervals[^1] = intervals[^1] with { End = next.End };
                }
                else if (next.End > next.Start)
                {
                    intervals.Add(next);
                }
            }
        }

        return intervals;
    }

    /// <summary>Whether one window (or windows joined across midnight) holds the whole interval.</summary>
    internal bool Covers(Interval interval, TimeZoneInfo zone) =>
        Intervals(ZoneTime.DateOf(interval.Start, zone).AddDays(-1), ZoneTime.DateOf(interval.End, zone), zone).Any(w => w.Contains(interval));

    private static int? Minutes(string? time)
    {
        if (time is not { Length: 5 } || time[2] != ':'
            || !int.TryParse(time.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hours)
            || !int.TryParse(time.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var minutes)
            || minutes > 59 || hours > 24 || (hours == 24 && minutes != 0))
        {
            return null;
        }

        return (hours * 60) + minutes;
    }
}
