using Dapper;

namespace Coworking.Hub.Reports;

/// <summary>
/// The MRR bridge of one location, month and currency: the MRR at the end of the month before, what new, expanding,
/// contracting, churned and reactivated members changed, the MRR at the end of the month and its ARR (minor units).
/// </summary>
public sealed record MrrRow(
    Guid LocationId, string Location, string Month, string Currency, long OpeningMrrMinor, long NewMinor, long ExpansionMinor, long ContractionMinor,
    long ChurnedMinor, long ReactivatedMinor, long ClosingMrrMinor, long ArrMinor, int PayingMembers);

/// <summary>The bridge over every location in the report, per month and currency.</summary>
public sealed record MrrTotal(
    string Month, string Currency, long OpeningMrrMinor, long NewMinor, long ExpansionMinor, long ContractionMinor, long ChurnedMinor, long ReactivatedMinor,
    long ClosingMrrMinor, long ArrMinor, int PayingMembers);

public sealed record MrrReportResponse(string From, string To, Guid? LocationId, Guid? TierId, IReadOnlyList<MrrRow> Rows, IReadOnlyList<MrrTotal> Totals);

/// <summary>Monthly recurring revenue and its movements (docs/REPORTS.md, "MRR").</summary>
internal sealed class MrrReport(IReportsDatabase db)
{
    /// <summary>
    /// Each member who ever joined, at the end of each month from the one before the period (the opening) to the last,
    /// in their home location's zone: their status and tier then (from the member's events, each in force from the instant
    /// it names — a cancellation or a tier change at period end is applied by the clock a little after), and the tier's
    /// monthly price at that location when the status pays (active or suspended). Movements compare each month with the
    /// one before.
    /// </summary>
    private const string Sql =
        """
        WITH people AS MATERIALIZED (
            SELECT m.id, m.home_location_id AS location_id, l.time_zone,
                   (SELECT min(e.occurred_at) FROM member_events e WHERE e.member_id = m.id AND e.kind = 'joined') AS first_joined
            FROM members m JOIN locations l ON l.id = m.home_location_id
            WHERE m.organisation_id = @organisationId
              AND (@scope::uuid[] IS NULL OR l.id = ANY(@scope))
              AND (@locationId::uuid IS NULL OR l.id = @locationId)
        ),
        """ + MemberTimeline.MonthEnds + ",\n" + MemberTimeline.Prices + ",\n" +
        """
        valued AS (
            SELECT me.id, me.location_id, me.k, me.month, me.first_joined, pr.currency,
                   (me.month::timestamp AT TIME ZONE me.time_zone) AS prev_at,
                   CASE WHEN me.status IN ('active', 'suspended') AND (@tierId::uuid IS NULL OR me.tier_id = @tierId) THEN pr.price ELSE 0 END AS mrr
            FROM month_ends me LEFT JOIN prices pr ON pr.tier_id = me.tier_id AND pr.location_id = me.location_id
        ),
        paired AS (
            SELECT v.*, coalesce(lag(v.mrr) OVER w, 0) AS prev_mrr, coalesce(lag(v.currency) OVER w, v.currency) AS prev_currency
            FROM valued v
            WINDOW w AS (PARTITION BY v.id ORDER BY v.k)
        ),
        moves AS (
            SELECT location_id, month, currency,
                   CASE WHEN prev_currency = currency THEN prev_mrr ELSE 0 END AS opening,
                   CASE WHEN mrr > 0 AND (prev_mrr = 0 OR prev_currency <> currency) AND first_joined >= prev_at THEN mrr ELSE 0 END AS new,
                   CASE WHEN prev_mrr > 0 AND prev_currency = currency AND mrr > prev_mrr THEN mrr - prev_mrr ELSE 0 END AS expansion,
                   CASE WHEN prev_mrr > 0 AND prev_currency = currency AND mrr > 0 AND mrr < prev_mrr THEN prev_mrr - mrr ELSE 0 END AS contraction,
                   CASE WHEN prev_mrr > 0 AND prev_currency = currency AND mrr = 0 THEN prev_mrr ELSE 0 END AS churned,
                   CASE WHEN mrr > 0 AND (prev_mrr = 0 OR prev_currency <> currency) AND first_joined < prev_at THEN mrr ELSE 0 END AS reactivated,
                   mrr AS closing,
                   CASE WHEN mrr > 0 THEN 1 ELSE 0 END AS paying
            FROM paired WHERE k > 0
            UNION ALL
            -- A member now paying in another currency has left the old one.
            SELECT location_id, month, prev_currency, prev_mrr, 0, 0, 0, prev_mrr, 0, 0, 0
            FROM paired WHERE k > 0 AND prev_mrr > 0 AND prev_currency <> currency
        )
        SELECT mv.location_id, l.name AS location, mv.month, mv.currency,
               sum(opening)::bigint AS opening_mrr_minor, sum(new)::bigint AS new_minor, sum(expansion)::bigint AS expansion_minor,
               sum(contraction)::bigint AS contraction_minor, sum(churned)::bigint AS churned_minor, sum(reactivated)::bigint AS reactivated_minor,
               sum(closing)::bigint AS closing_mrr_minor, sum(paying)::int AS paying_members
        FROM moves mv JOIN locations l ON l.id = mv.location_id
        WHERE mv.currency IS NOT NULL
        GROUP BY mv.location_id, l.name, mv.month, mv.currency
        ORDER BY l.name, mv.location_id, mv.month, mv.currency
        """;

    public async Task<MrrReportResponse> RunAsync(ReportFilter filter, CancellationToken cancellationToken)
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
            .Select(r => new MrrRow(
                r.LocationId, r.Location, ReportPeriod.Format(r.Month), r.Currency, r.OpeningMrrMinor, r.NewMinor, r.ExpansionMinor, r.ContractionMinor,
                r.ChurnedMinor, r.ReactivatedMinor, r.ClosingMrrMinor, r.ClosingMrrMinor * 12, r.PayingMembers))
            .ToList();
        var totals = rows
            .GroupBy(r => (r.Month, r.Currency))
            .Select(g => new MrrTotal(
                g.Key.Month, g.Key.Currency, g.Sum(r => r.OpeningMrrMinor), g.Sum(r => r.NewMinor), g.Sum(r => r.ExpansionMinor), g.Sum(r => r.ContractionMinor),
                g.Sum(r => r.ChurnedMinor), g.Sum(r => r.ReactivatedMinor), g.Sum(r => r.ClosingMrrMinor), g.Sum(r => r.ArrMinor), g.Sum(r => r.PayingMembers)))
            .OrderBy(t => t.Month, StringComparer.Ordinal).ThenBy(t => t.Currency, StringComparer.Ordinal).ToList();
        return new MrrReportResponse(
            ReportPeriod.Format(filter.Period.From), ReportPeriod.Format(filter.Period.To), filter.LocationId, filter.TierId, rows, totals);
    }

    private sealed record Row(
        Guid LocationId, string Location, DateOnly Month, string Currency, long OpeningMrrMinor, long NewMinor, long ExpansionMinor, long ContractionMinor,
        long ChurnedMinor, long ReactivatedMinor, long ClosingMrrMinor, int PayingMembers);
}
