namespace Coworking.Hub.Billing;

public enum BillingCadence
{
    Monthly,
    Weekly,
}

/// <summary>
/// One billing period, [Start, End) as dates in the location's time zone. Periods are anchored on the
/// member's start date: monthly periods begin on the anchor's day of the month, or the month's last day when
/// it is shorter (31 Jan → 28 Feb → 31 Mar: each is counted from the anchor, never from the previous period,
/// so a short month does not move the anchor for good); weekly periods every 7 days from the anchor.
/// </summary>
public readonly record struct BillingPeriod(DateOnly Start, DateOnly End)
{
    public int Days => End.DayNumber - Start.DayNumber;

    public bool Contains(DateOnly day) => day >= Start && day < End;

    /// <summary>The <paramref name="index"/>-th period from the anchor (0 = the one starting on it).</summary>
    public static BillingPeriod Nth(DateOnly anchor, BillingCadence cadence, int index) => cadence switch
    {
        BillingCadence.Monthly => new(anchor.AddMonths(index), anchor.AddMonths(index + 1)),
        BillingCadence.Weekly => new(anchor.AddDays(7 * index), anchor.AddDays(7 * (index + 1))),
        _ => throw new ArgumentOutOfRangeException(nameof(cadence), cadence, null),
    };

    /// <summary>The period that contains <paramref name="day"/>; the anchor's own period for days before it.</summary>
    public static BillingPeriod Containing(DateOnly anchor, BillingCadence cadence, DateOnly day)
    {
        if (day < anchor)
        {
            return Nth(anchor, cadence, 0);
        }

        var index = cadence == BillingCadence.Weekly
            ? (day.DayNumber - anchor.DayNumber) / 7
            : ((day.Year - anchor.Year) * 12) + day.Month - anchor.Month;
        var period = Nth(anchor, cadence, index);
        while (day < period.Start)
        {
            period = Nth(anchor, cadence, --index);
        }

        while (day >= period.End)
        {
            period = Nth(anchor, cadence, ++index);
        }

        return period;
    }
}
