namespace Coworking.Hub.Billing;

/// <summary>
/// Day-based proration (docs/BILLING.md): a plan charged for part of a period costs
/// price × days used ÷ days in the period, rounded half away from zero to the minor unit. A change takes
/// effect at the start of its day in the location's time zone; that day belongs to the new terms.
/// </summary>
public static class Proration
{
    /// <summary>What <paramref name="price"/> per period costs for the days [from, to) of <paramref name="period"/>.</summary>
    public static Money ForDays(Money price, BillingPeriod period, DateOnly from, DateOnly to)
    {
        if (from < period.Start || to > period.End || to < from)
        {
            throw new ArgumentOutOfRangeException(nameof(from), $"[{from:O}, {to:O}) is not inside the period [{period.Start:O}, {period.End:O}).");
        }

        return price.MultiplyBy(to.DayNumber - from.DayNumber, period.Days);
    }

    /// <summary>The part of a period already paid for that lies from <paramref name="day"/> to the period's end.</summary>
    public static Money Unused(Money price, BillingPeriod period, DateOnly day) => ForDays(price, period, day, period.End);

    /// <summary>
    /// A tier change on <paramref name="day"/> inside a paid period: a credit for the old plan's unused days and a
    /// charge for the new plan over the same days. Their sum is what the member owes (or is owed) for the change.
    /// </summary>
    public static (Money Credit, Money Charge) Change(Money oldPrice, Money newPrice, BillingPeriod period, DateOnly day) =>
        (-Unused(oldPrice, period, day), Unused(newPrice, period, day));
}
