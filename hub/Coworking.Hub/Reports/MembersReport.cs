using Dapper;

namespace Coworking.Hub.Reports;

/// <summary>
/// One location, month and tier: paying members at the start and end of the month, who joined, churned, moved in from and
/// out to other tiers, and the churn rates by logo (members) and by revenue (their MRR, in the tier's currency).
/// </summary>
public sealed record MembersRow(
    Guid LocationId, string Location, string Month, Guid TierId, string Tier, int ActiveAtStart, int Joined, int MovedIn, int MovedOut, int Churned,
    int ActiveAtEnd, double? LogoChurnRate, string Currency, long OpeningMrrMinor, long ChurnedMrrMinor, double? RevenueChurnRate);

public sealed record MembersReportResponse(string From, string To, Guid? LocationId, Guid? TierId, IReadOnlyList<MembersRow> Rows);

/// <summary>Active members by tier over time and churn by tier (docs/REPORTS.md, "Members and churn by tier").</summary>
internal sealed class MembersReport(IReportsDatabase db)
{
    /// <summary>
    /// The member states of <see cref="MrrReport"/> (status, tier and MRR at each month end), compared with the month
    /// before: a member paying in tier X before and not paying now churned from X; paying in another tier moved.
    /// </summary>
    private const string Sql =
        """
        WITH people AS MATERIALIZED (
            SELECT m.id, m.home_location_id AS location_id, l.time_zone, NULL::timestamptz AS first_joined
            FROM members m JOIN locations l ON l.id = m.home_location_id
            WHERE m.organisation_id = @organisationId
              AND (@scope::uuid[] IS NULL OR l.id = ANY(@scope))
              AND (@locationId::uuid IS NULL OR l.id = @locationId)
        ),
        """ + MemberTimeline.MonthEnds + ",\n" + MemberTimeline.Prices + ",\n" +
        """
        valued AS (
            SELECT me.id, me.location_id, me.k, me.month, CASE WHEN me.status IN ('active', 'suspended') THEN me.tier_id END AS paying_tier, pr.price AS mrr
            FROM month_ends me LEFT JOIN prices pr ON pr.tier_id = me.tier_id AND pr.location_id = me.location_id
        ),
        paired AS (
            SELECT v.*, lag(v.paying_tier) OVER w AS prev_tier, lag(v.mrr) OVER w AS prev_mrr
            FROM valued v
            WINDOW w AS (PARTITION BY v.id ORDER BY v.k)
        ),
        facts AS (
            -- The member as the tier they hold at the month's end sees them...
            SELECT location_id, month, paying_tier AS tier_id,
                   coalesce(prev_tier = paying_tier, false)::int AS at_start, (prev_tier IS NULL)::int AS joined,
                   (prev_tier IS NOT NULL AND prev_tier <> paying_tier)::int AS moved_in, 0 AS moved_out, 0 AS churned, 1 AS at_end,
                   CASE WHEN prev_tier = paying_tier THEN prev_mrr ELSE 0 END AS opening_mrr, 0::bigint AS churned_mrr
            FROM paired WHERE k > 0 AND paying_tier IS NOT NULL
            UNION ALL
            -- ...and as the tier they held at its start, when they left it.
            SELECT location_id, month, prev_tier, 1, 0, 0, (paying_tier IS NOT NULL)::int, (paying_tier IS NULL)::int, 0,
                   prev_mrr, CASE WHEN paying_tier IS NULL THEN prev_mrr ELSE 0 END
            FROM paired WHERE k > 0 AND prev_tier IS NOT NULL AND prev_tier IS DISTINCT FROM paying_tier
        )
        SELECT f.location_id, l.name AS location, f.month, f.tier_id, t.name AS tier,
               sum(f.at_start)::int AS active_at_start, sum(f.joined)::int AS joined, sum(f.moved_in)::int AS moved_in, sum(f.moved_out)::int AS moved_out,
               sum(f.churned)::int AS churned, sum(f.at_end)::int AS active_at_end, trim(t.terms->>'currency') AS currency,
               sum(f.opening_mrr)::bigint AS opening_mrr_minor, sum(f.churned_mrr)::bigint AS churned_mrr_minor
        FROM facts f JOIN tiers t ON t.id = f.tier_id JOIN locations l ON l.id = f.location_id
        WHERE @tierId::uuid IS NULL OR f.tier_id = @tierId
        GROUP BY f.location_id, l.name, f.month, f.tier_id, t.name, t.terms->>'currency'
        ORDER BY l.name, f.location_id, f.month, t.name, f.tier_id
        """;

    public async Task<MembersReportResponse> RunAsync(ReportFilter filter, CancellationToken cancellationToken)
    {
        await using var snapshot = await db.OpenSnapshotAsync(cancellationToken);
        var rows = (await snapshot.Connection.QueryAsync<Row>(new CommandDefinition(
            Sql,
            new
            {
                organisationId = filter.Caller.OrganisationId, scope = filter.Scope, filter.LocationId, filter.TierId,
                opening = filter.Period.From.AddMonths(-1), openingIndex = MemberTimeline.MonthIndex(filter.Period.From.AddMonths(-1)),
                steps = filter.Period.Months().Count(),
            },
            snapshot.Transaction,
            cancellationToken: cancellationToken)))
            .Select(r => new MembersRow(
                r.LocationId, r.Location, ReportPeriod.Format(r.Month), r.TierId, r.Tier, r.ActiveAtStart, r.Joined, r.MovedIn, r.MovedOut, r.Churned, r.ActiveAtEnd,
                Rate(r.Churned, r.ActiveAtStart), r.Currency, r.OpeningMrrMinor, r.ChurnedMrrMinor, Rate(r.ChurnedMrrMinor, r.OpeningMrrMinor)))
            .ToList();
        return new MembersReportResponse(ReportPeriod.Format(filter.Period.From), ReportPeriod.Format(filter.Period.To), filter.LocationId, filter.TierId, rows);
    }

    /// <summary>A share to four decimal places, or null when there was nothing to lose.</summary>
    private static double? Rate(long part, long whole) => whole == 0 ? null : Math.Round((double)part / whole, 4, MidpointRounding.AwayFromZero);

    private sealed record Row(
        Guid LocationId, string Location, DateOnly Month, Guid TierId, string Tier, int ActiveAtStart, int Joined, int MovedIn, int MovedOut, int Churned,
        int ActiveAtEnd, string Currency, long OpeningMrrMinor, long ChurnedMrrMinor);
}
