using Coworking.Hub.Billing;
using Coworking.Hub.Database;
using Coworking.Hub.Locations;
using Coworking.Hub.Members;
using Coworking.Hub.Tiers;
using Dapper;

namespace Coworking.Hub.Web.Portal.Plan;

/// <summary>An extra the operator prices for the member's tier (a room hour beyond those included, a day pass, a locker).</summary>
internal sealed record PlanExtra(string Name, Money Price);

/// <summary>
/// What the member's plan allows and how much of it is used: the tier's terms in force at the home location (its
/// override applied, so the rules that refuse a booking and this page read the same terms), the membership's period
/// and pending changes, and this calendar month's meeting-room time, bookings and guests counted as the rules count
/// them (in the home location's time zone, cancelled ones left out).
/// </summary>
internal sealed record MemberPlan(
    MemberStatus Status,
    EffectiveTier? Tier,
    string? LocationName,
    StaffedHours? StaffedHours,
    DateTimeOffset? PeriodStart,
    DateTimeOffset? PeriodEnd,
    DateTimeOffset? PausedUntil,
    DateTimeOffset? CancelAt,
    string? PendingTierName,
    TimeZoneInfo Zone,
    Interval Month,
    TimeSpan RoomTimeThisMonth,
    int BookingsThisMonth,
    int GuestsThisMonth,
    IReadOnlyList<PlanExtra> Extras);

/// <summary>Reads a member's <see cref="MemberPlan"/> in the request's tenant scope, filtered by organisation and member in SQL.</summary>
internal sealed class MemberPlanQuery(TenantDataSource db, TimeProvider time)
{
    public async Task<MemberPlan?> ReadAsync(Guid organisationId, Guid memberId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<PlanRow>(new CommandDefinition(
            """
            SELECT m.status, t.id AS tier_id, t.name AS tier_name, t.terms::text AS terms, o.terms::text AS override,
                   l.name AS location_name, l.time_zone, l.staffed_hours::text AS staffed_hours,
                   ms.period_start, ms.period_end, ms.paused_until, ms.cancel_at, p.name AS pending_tier_name
            FROM members m
            LEFT JOIN memberships ms ON ms.member_id = m.id
            LEFT JOIN tiers t ON t.id = ms.tier_id
            LEFT JOIN tier_overrides o ON o.tier_id = t.id AND o.location_id = m.home_location_id
            LEFT JOIN tiers p ON p.id = ms.pending_tier_id
            LEFT JOIN locations l ON l.id = m.home_location_id
            WHERE m.organisation_id = @organisationId AND m.id = @memberId
            """,
            new { organisationId, memberId },
            cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }

        var zone = ZoneTime.Zone(row.TimeZone ?? "UTC");
        var now = time.GetUtcNow();
        var month = ZoneTime.Month(ZoneTime.DateOf(now, zone), zone);
        var usage = await conn.QuerySingleAsync<(long RoomSeconds, int Bookings, int Guests)>(new CommandDefinition(
            """
            SELECT coalesce((SELECT sum(extract(epoch FROM ends_at - starts_at)) FROM bookings
                             WHERE member_id = @memberId AND kind = 'member' AND resource_kind = 'meeting_room' AND cancelled_at IS NULL
                               AND starts_at >= @from AND starts_at < @to), 0)::bigint,
                   (SELECT count(*) FROM bookings
                    WHERE member_id = @memberId AND kind = 'member' AND cancelled_at IS NULL AND starts_at >= @from AND starts_at < @to)::int,
                   (SELECT count(*) FROM visitors
                    WHERE host_member_id = @memberId AND cancelled_at IS NULL AND starts_at >= @from AND starts_at < @to)::int
            """,
            new { memberId, from = month.Start, to = month.End },
            cancellationToken: cancellationToken));
        var extras = row.TierId is { } tierId
            ? (await conn.QueryAsync<(string Name, long Price, string Currency)>(new CommandDefinition(
                "SELECT name, unit_price_minor, currency FROM tier_prices WHERE tier_id = @tierId ORDER BY name, code",
                new { tierId },
                cancellationToken: cancellationToken))).Select(p => new PlanExtra(p.Name, new Money(p.Price, p.Currency.Trim()))).ToList()
            : [];
        return new MemberPlan(
            DbText.Parse<MemberStatus>(row.Status),
            row.TierId is { } id ? TierStore.Effective(id, row.TierName!, row.Terms!, row.Override) : null,
            row.LocationName,
            Doors.DoorChanges.ReadHours(row.StaffedHours),
            row.PeriodStart,
            row.PeriodEnd,
            row.PausedUntil,
            row.CancelAt,
            row.PendingTierName,
            zone,
            month,
            TimeSpan.FromSeconds(usage.RoomSeconds),
            usage.Bookings,
            usage.Guests,
            extras);
    }

    private sealed record PlanRow
    {
        public string Status { get; init; } = string.Empty;

        public Guid? TierId { get; init; }

        public string? TierName { get; init; }

        public string? Terms { get; init; }

        public string? Override { get; init; }

        public string? LocationName { get; init; }

        public string? TimeZone { get; init; }

        public string? StaffedHours { get; init; }

        public DateTimeOffset? PeriodStart { get; init; }

        public DateTimeOffset? PeriodEnd { get; init; }

        public DateTimeOffset? PausedUntil { get; init; }

        public DateTimeOffset? CancelAt { get; init; }

        public string? PendingTierName { get; init; }
    }
}
