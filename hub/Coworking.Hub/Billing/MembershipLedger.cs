using Coworking.Hub.Locations;
using Coworking.Hub.Tiers;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Billing;

/// <summary>A membership as billing sees it: the tier and the current period.</summary>
internal sealed record PlanState(Guid TierId, DateTimeOffset JoinedAt, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd);

/// <summary>Whom a membership step bills, and in what zone its periods fall.</summary>
internal sealed record PlanContext(Guid OrganisationId, Guid MemberId, Guid? LocationId, TimeZoneInfo Zone, IReadOnlyList<EffectiveTier> Tiers, DateTimeOffset Now);

/// <summary>
/// Posts what a membership step makes billable, in the step's own transaction (docs/BILLING.md, "Ledger"):
/// the plan charge of every period that starts (in advance, from its first day), a credit and a charge when the
/// tier changes inside a period (<see cref="Proration.Change"/>), and at each period end the meeting-room hours
/// booked beyond the tier's included hours. Source keys make each posting happen once.
/// </summary>
internal static class MembershipLedger
{
    public const string RoomHourCode = "room_hour";

    public static async Task PostAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, PlanContext context, PlanState? before, PlanState after, bool billable, CancellationToken cancellationToken)
    {
        var zone = context.Zone;
        var start = ZoneTime.DateOf(after.PeriodStart, zone);
        var end = ZoneTime.DateOf(after.PeriodEnd, zone);
        if (before is null || before.JoinedAt != after.JoinedAt)
        {
            if (billable)
            {
                await ChargePlanAsync(conn, tx, context, after.TierId, start, end, cancellationToken);
            }

            return;
        }

        if (after.PeriodEnd > before.PeriodEnd)
        {
            await SettleRoomHoursAsync(conn, tx, context, before, cancellationToken);
            var tier = TierOf(context, after.TierId);
            var anchor = ZoneTime.DateOf(after.JoinedAt, zone);
            var cadence = tier.Terms.BillingInterval == BillingInterval.Weekly ? BillingCadence.Weekly : BillingCadence.Monthly;
            for (var period = BillingPeriod.Containing(anchor, cadence, ZoneTime.DateOf(before.PeriodEnd, zone));
                billable && period.Start < end;
                period = BillingPeriod.Containing(anchor, cadence, period.End))
            {
                await ChargePlanAsync(conn, tx, context, after.TierId, period.Start, period.End, cancellationToken);
            }

            return;
        }

        if (after.TierId != before.TierId && billable && ProrationOf(context, before, after.TierId) is { } change)
        {
            var (credit, charge, period, today) = change;
            var oldTier = TierOf(context, before.TierId);
            var newTier = TierOf(context, after.TierId);
            var days = period.End.DayNumber - today.DayNumber;
            var key = $"{context.MemberId}:{today:yyyy-MM-dd}:{before.TierId}:{after.TierId}";
            await PostAsync(conn, tx, context, LedgerKind.Proration,
                $"{oldTier.Name}: unused {days} of {period.Days} days, {Ledger.Describe(today, period.End)}", credit, today, period.End,
                $"proration-credit:{key}", after.PeriodEnd, cancellationToken);
            await PostAsync(conn, tx, context, LedgerKind.Proration,
                $"{newTier.Name}: {days} of {period.Days} days, {Ledger.Describe(today, period.End)}", charge, today, period.End,
                $"proration-charge:{key}", after.PeriodEnd, cancellationToken);
        }
    }

    /// <summary>
    /// What changing <paramref name="plan"/> to <paramref name="newTierId"/> today posts: a credit for the old tier's unused
    /// days of the period and a charge for the new tier over the same days; null when nothing is prorated (today is not in
    /// the period, or the tiers charge in different currencies).
    /// </summary>
    internal static (Money Credit, Money Charge, BillingPeriod Period, DateOnly Today)? ProrationOf(PlanContext context, PlanState plan, Guid newTierId)
    {
        var period = new BillingPeriod(ZoneTime.DateOf(plan.PeriodStart, context.Zone), ZoneTime.DateOf(plan.PeriodEnd, context.Zone));
        var today = ZoneTime.DateOf(context.Now, context.Zone);
        var oldTier = TierOf(context, plan.TierId);
        var newTier = TierOf(context, newTierId);
        if (!period.Contains(today) || oldTier.Terms.Currency != newTier.Terms.Currency)
        {
            return null;
        }

        var (credit, charge) = Proration.Change(PriceOf(oldTier), PriceOf(newTier), period, today);
        return (credit, charge, period, today);
    }

    private static Task ChargePlanAsync(NpgsqlConnection conn, NpgsqlTransaction tx, PlanContext context, Guid tierId, DateOnly start, DateOnly end, CancellationToken cancellationToken)
    {
        var tier = TierOf(context, tierId);
        return PostAsync(conn, tx, context, LedgerKind.Plan, $"{tier.Name} membership, {Ledger.Describe(start, end)}", PriceOf(tier), start, end,
            $"plan:{context.MemberId}:{start:yyyy-MM-dd}", ZoneTime.At(start, 0, context.Zone), cancellationToken);
    }

    /// <summary>
    /// Meeting-room time the member booked in the period that ended, beyond the included hours of the tier in force at its
    /// end, charged per started hour at the tier's "room_hour" price. Without such a price, overage is not billed.
    /// </summary>
    private static async Task SettleRoomHoursAsync(NpgsqlConnection conn, NpgsqlTransaction tx, PlanContext context, PlanState ended, CancellationToken cancellationToken)
    {
        var tier = TierOf(context, ended.TierId);
        if (tier.Terms.RoomHoursPerMonth is not { } included)
        {
            return;
        }

        var price = await PriceAsync(conn, tx, ended.TierId, RoomHourCode, cancellationToken);
        if (price is null)
        {
            return;
        }

        var minutes = await conn.QuerySingleAsync<long>(new CommandDefinition(
            """
            SELECT coalesce(sum(extract(epoch FROM ends_at - starts_at) / 60), 0)::bigint FROM bookings
            WHERE member_id = @memberId AND kind = 'member' AND resource_kind = 'meeting_room' AND cancelled_at IS NULL
              AND starts_at >= @from AND starts_at < @to
            """,
            new { memberId = context.MemberId, from = ended.PeriodStart, to = ended.PeriodEnd },
            tx,
            cancellationToken: cancellationToken));
        var over = minutes - (included * 60L);
        if (over <= 0)
        {
            return;
        }

        var hours = (int)((over + 59) / 60);
        var start = ZoneTime.DateOf(ended.PeriodStart, context.Zone);
        var end = ZoneTime.DateOf(ended.PeriodEnd, context.Zone);
        await Ledger.PostAsync(conn, tx, new LedgerPosting(
            context.OrganisationId, context.MemberId, context.LocationId, LedgerKind.RoomOverage,
            $"Meeting-room hours beyond the {included} included, {Ledger.Describe(start, end)}", hours, price.Value.Price,
            start, end, $"room-overage:{context.MemberId}:{start:yyyy-MM-dd}", context.Now), context.Now, cancellationToken);
    }

    private static Task PostAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, PlanContext context, LedgerKind kind, string description, Money amount, DateOnly start, DateOnly end,
        string key, DateTimeOffset billAfter, CancellationToken cancellationToken) =>
        Ledger.PostAsync(conn, tx, new LedgerPosting(
            context.OrganisationId, context.MemberId, context.LocationId, kind, description, 1, amount, start, end, key, billAfter), context.Now, cancellationToken);

    private static EffectiveTier TierOf(PlanContext context, Guid tierId) =>
        context.Tiers.FirstOrDefault(t => t.Id == tierId) ?? throw new InvalidOperationException($"Tier {tierId} is not in force at the member's location.");

    private static Money PriceOf(EffectiveTier tier) => new(tier.Terms.PriceMinor, tier.Terms.Currency);

    /// <summary>A tier's price for an add-on code, with its name; null when the tier has none.</summary>
    internal static async Task<(string Name, Money Price)?> PriceAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid tierId, string code, CancellationToken cancellationToken)
    {
        var row = await conn.QuerySingleOrDefaultAsync<(string Name, long UnitPriceMinor, string Currency)?>(new CommandDefinition(
            "SELECT name, unit_price_minor, currency FROM tier_prices WHERE tier_id = @tierId AND code = @code",
            new { tierId, code },
            tx,
            cancellationToken: cancellationToken));
        return row is { } r ? (r.Name, new Money(r.UnitPriceMinor, r.Currency.Trim())) : null;
    }
}
