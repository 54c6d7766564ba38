using System.Globalization;
using Coworking.Hub.Auth;
using Coworking.Hub.Http;

namespace Coworking.Hub.Reports;

/// <summary>
/// Months <see cref="From"/> to <see cref="To"/>, both included, each a calendar month of the location's own time zone
/// (a report row's month is the month where its location is).
/// </summary>
public sealed record ReportPeriod(DateOnly From, DateOnly To)
{
    /// <summary>The first day after the period.</summary>
    public DateOnly EndExclusive => To.AddMonths(1);

    /// <summary>
    /// A UTC window wide enough to hold the period in every time zone (offsets stay within ±14 hours), so a query can use
    /// its timestamp index before it applies each location's zone exactly.
    /// </summary>
    public DateTimeOffset EarliestInstant => new(From.AddDays(-1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public DateTimeOffset LatestInstant => new(EndExclusive.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public IEnumerable<DateOnly> Months()
    {
        for (var month = From; month <= To; month = month.AddMonths(1))
        {
            yield return month;
        }
    }

    public static string Format(DateOnly month) => month.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads <c>from</c> and <c>to</c> ("2026-01"); without them the twelve months to the current UTC month. At most
    /// <paramref name="maxMonths"/> months.
    /// </summary>
    internal static ReportPeriod? Parse(string? from, string? to, DateTimeOffset now, ValidationErrors errors, int maxMonths = 60)
    {
        var current = new DateOnly(now.UtcDateTime.Year, now.UtcDateTime.Month, 1);
        var end = Month("to", to, current, errors);
        var start = Month("from", from, (end ?? current).AddMonths(-11), errors);
        if (start is null || end is null)
        {
            return null;
        }

        if (start > end)
        {
            errors.Add("from", "must not be after to");
            return null;
        }

        if (start.Value.AddMonths(maxMonths) <= end)
        {
            errors.Add("to", $"must be within {maxMonths} months of from");
            return null;
        }

        return new ReportPeriod(start.Value, end.Value);
    }

    private static DateOnly? Month(string field, string? text, DateOnly fallback, ValidationErrors errors)
    {
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month) && month.Year is >= 2000 and <= 2200)
        {
            return month;
        }

        errors.Add(field, "must be a month as yyyy-MM, e.g. 2026-01");
        return null;
    }
}

/// <summary>What a report is asked for: whose, where, when and for which tier.</summary>
public sealed record ReportFilter(Caller Caller, Guid? LocationId, ReportPeriod Period, Guid? TierId)
{
    /// <summary>The locations the rows may come from: the caller's scope (null: all of the organisation's).</summary>
    public Guid[]? Scope => Caller.Scope;
}
