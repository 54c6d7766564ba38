using Coworking.Hub.Billing;

namespace Coworking.Hub.Tests.Billing;

public sealed class ProrationTests
{
    private static readonly Money HotDesk = new(30000, "GBP");
    private static readonly Money Dedicated = new(45000, "GBP");

    [Fact]
    public void Monthly_periods_start_on_the_members_start_day_and_a_short_month_does_not_move_it()
    {
        var anchor = new DateOnly(2026, 1, 31);

        Assert.Equal(new BillingPeriod(new(2026, 1, 31), new(2026, 2, 28)), BillingPeriod.Nth(anchor, BillingCadence.Monthly, 0));
        Assert.Equal(new BillingPeriod(new(2026, 2, 28), new(2026, 3, 31)), BillingPeriod.Nth(anchor, BillingCadence.Monthly, 1));
        Assert.Equal(new BillingPeriod(new(2026, 3, 31), new(2026, 4, 30)), BillingPeriod.Nth(anchor, BillingCadence.Monthly, 2));
    }

    [Theory]
    [InlineData("2026-03-09", "2026-02-10", "2026-03-10")]
    [InlineData("2026-03-10", "2026-03-10", "2026-04-10")]
    [InlineData("2026-12-31", "2026-12-10", "2027-01-10")]
    [InlineData("2026-01-10", "2026-01-10", "2026-02-10")]
    public void The_period_containing_a_day_is_found_from_the_anchor(string day, string start, string end) =>
        Assert.Equal(new BillingPeriod(DateOnly.Parse(start), DateOnly.Parse(end)),
            BillingPeriod.Containing(new DateOnly(2026, 1, 10), BillingCadence.Monthly, DateOnly.Parse(day)));

    [Fact]
    public void Weekly_periods_are_seven_days_from_the_anchor()
    {
        var period = BillingPeriod.Containing(new DateOnly(2026, 11, 4), BillingCadence.Weekly, new DateOnly(2026, 11, 23));

        Assert.Equal(new BillingPeriod(new(2026, 11, 18), new(2026, 11, 25)), period);
        Assert.Equal(7, period.Days);
    }

    [Fact]
    public void Upgrade_on_the_20th_credits_the_old_plans_unused_days_and_charges_the_new_plan_for_them()
    {
        // 10 Jan – 10 Feb is 31 days; from the 20th, 21 of them are left.
        // Credit: 300.00 × 21 / 31 = 203.2258… → 203.23.  Charge: 450.00 × 21 / 31 = 304.8387… → 304.84.
        var period = BillingPeriod.Nth(new DateOnly(2026, 1, 10), BillingCadence.Monthly, 0);

        var (credit, charge) = Proration.Change(HotDesk, Dedicated, period, new DateOnly(2026, 1, 20));

        Assert.Equal(new Money(-20323, "GBP"), credit);
        Assert.Equal(new Money(30484, "GBP"), charge);
        Assert.Equal(new Money(10161, "GBP"), credit + charge);
    }

    [Fact]
    public void A_downgrade_is_a_net_credit_of_the_same_days()
    {
        var period = BillingPeriod.Nth(new DateOnly(2026, 1, 10), BillingCadence.Monthly, 0);

        var (credit, charge) = Proration.Change(Dedicated, HotDesk, period, new DateOnly(2026, 1, 20));

        Assert.Equal(new Money(-10161, "GBP"), credit + charge);
    }

    [Fact]
    public void A_change_on_the_first_day_moves_the_whole_period_and_on_the_last_day_one_day()
    {
        var period = BillingPeriod.Nth(new DateOnly(2026, 1, 10), BillingCadence.Monthly, 0);

        Assert.Equal(HotDesk, Proration.Unused(HotDesk, period, period.Start));
        Assert.Equal(new Money(968, "GBP"), Proration.Unused(HotDesk, period, period.End.AddDays(-1)));
        Assert.Equal(Money.Zero("GBP"), Proration.Unused(HotDesk, period, period.End));
    }

    [Fact]
    public void Days_outside_the_period_are_refused()
    {
        var period = BillingPeriod.Nth(new DateOnly(2026, 1, 10), BillingCadence.Monthly, 0);

        Assert.Throws<ArgumentOutOfRangeException>(() => Proration.ForDays(HotDesk, period, new DateOnly(2026, 1, 9), period.End));
        Assert.Throws<ArgumentOutOfRangeException>(() => Proration.ForDays(HotDesk, period, period.Start, new DateOnly(2026, 2, 11)));
    }

    [Theory]
    [InlineData(1, 2, 5000, 2500)]
    [InlineData(1, 3, 100, 33)]
    [InlineData(2, 3, 100, 67)]
    [InlineData(1, 2, 5, 3)]
    [InlineData(1, 2, -5, -3)]
    public void Rounding_is_half_away_from_zero_to_the_minor_unit(long numerator, long denominator, long minor, long expected) =>
        Assert.Equal(expected, new Money(minor, "EUR").MultiplyBy(numerator, denominator).Minor);
}
