namespace Coworking.Hub.Reports;

/// <summary>
/// A member's status and tier over time as spans, from their events (docs/REPORTS.md, "MRR"): each event is in force
/// from the instant it names (<c>detail.at</c>, else when it occurred) until the next one's, so the state at T is the span
/// with <c>since &lt; T &lt;= until</c> (or no until). Of events naming the same instant the one recorded last wins, as it is
/// the last in the window's order. Reports join their points in time to these spans with one hash join per member
/// instead of an index lookup per member and point. SQL fragments; none holds user input.
/// </summary>
internal static class MemberTimeline
{
    /// <summary>
    /// CTEs <c>status_spans</c> (member_id, since, until, status) and <c>tier_spans</c> (member_id, since, until, tier_id) for
    /// the members a preceding CTE <c>people</c> (id) names.
    /// </summary>
    public const string Ctes =
        """
        status_events AS (
            SELECT e.member_id, coalesce((e.detail->>'at')::timestamptz, e.occurred_at) AS since, e.occurred_at,
                   CASE e.kind WHEN 'status_changed' THEN e.detail->>'to' WHEN 'joined' THEN 'active' WHEN 'resumed' THEN 'active' ELSE e.kind END AS status
            FROM member_events e
            WHERE e.member_id IN (SELECT id FROM people) AND e.kind IN ('joined', 'paused', 'resumed', 'cancelled', 'status_changed')
        ),
        status_spans AS MATERIALIZED (
            SELECT member_id, since, lead(since) OVER (PARTITION BY member_id ORDER BY since, occurred_at) AS until, status FROM status_events
        ),
        tier_events AS (
            SELECT e.member_id, coalesce((e.detail->>'at')::timestamptz, e.occurred_at) AS since, e.occurred_at,
                   coalesce(e.detail->>'to', e.detail->>'tierId')::uuid AS tier_id
            FROM member_events e
            WHERE e.member_id IN (SELECT id FROM people) AND e.kind IN ('joined', 'tier_changed')
        ),
        tier_spans AS MATERIALIZED (
            SELECT member_id, since, lead(since) OVER (PARTITION BY member_id ORDER BY since, occurred_at) AS until, tier_id FROM tier_events
        )
        """;

    /// <summary>
    /// CTE <c>month_ends</c> (id, location_id, time_zone, first_joined, k, month, status, tier_id): each member of a preceding
    /// CTE <c>people</c> (id, location_id, time_zone, first_joined) at the end of month <c>k</c> = 0…<c>@steps</c> after
    /// <c>@opening</c> (the first instant of the next month in their zone), from the first month end after their first
    /// event on. Status and tier are carried forward through one ordered stream of the member's events; each span from one
    /// event to the next is expanded into the month ends it holds (<c>since &lt; end &lt;= until</c>), found from the local
    /// months of its ends, so no month end is looked up per member. <c>@openingIndex</c> is year × 12 + month of
    /// <c>@opening</c>.
    /// </summary>
    public const string MonthEnds =
        """
        timeline_events AS (
            SELECT e.member_id, e.id, e.occurred_at, coalesce((e.detail->>'at')::timestamptz, e.occurred_at) AS since,
                   CASE e.kind WHEN 'tier_changed' THEN NULL WHEN 'status_changed' THEN e.detail->>'to' WHEN 'joined' THEN 'active'
                       WHEN 'resumed' THEN 'active' ELSE e.kind END AS status,
                   CASE WHEN e.kind IN ('joined', 'tier_changed') THEN coalesce(e.detail->>'to', e.detail->>'tierId')::uuid END AS tier_id
            FROM member_events e
            WHERE e.member_id IN (SELECT id FROM people) AND e.kind IN ('joined', 'paused', 'resumed', 'cancelled', 'status_changed', 'tier_changed')
        ),
        timeline_groups AS (
            SELECT t.*, count(t.status) OVER w AS status_group, count(t.tier_id) OVER w AS tier_group, lead(t.since) OVER w AS until
            FROM timeline_events t
            WINDOW w AS (PARTITION BY t.member_id ORDER BY t.since, t.occurred_at, t.id)
        ),
        timeline_spans AS (
            SELECT g.member_id, g.since, g.until,
                   first_value(g.status) OVER (PARTITION BY g.member_id, g.status_group ORDER BY g.since, g.occurred_at, g.id) AS status,
                   first_value(g.tier_id) OVER (PARTITION BY g.member_id, g.tier_group ORDER BY g.since, g.occurred_at, g.id) AS tier_id
            FROM timeline_groups g
        ),
        month_ends AS (
            SELECT p.id, p.location_id, p.time_zone, p.first_joined, k, (@opening::date + make_interval(months => k))::date AS month, s.status, s.tier_id
            FROM timeline_spans s
                JOIN people p ON p.id = s.member_id
                CROSS JOIN LATERAL generate_series(
                    greatest(0, (extract(year FROM s.since AT TIME ZONE p.time_zone) * 12 + extract(month FROM s.since AT TIME ZONE p.time_zone))::int - @openingIndex),
                    CASE WHEN s.until IS NULL THEN @steps
                         ELSE least(@steps, (extract(year FROM s.until AT TIME ZONE p.time_zone) * 12 + extract(month FROM s.until AT TIME ZONE p.time_zone))::int - @openingIndex - 1)
                    END) AS k
        )
        """;

    /// <summary>
    /// CTE <c>prices</c> (tier_id, location_id, currency, price): each tier's monthly price at each location of the
    /// organisation, the location's override first; weekly tiers × 52 / 12, rounded half away from zero to the minor unit.
    /// </summary>
    public const string Prices =
        """
        prices AS MATERIALIZED (
            SELECT t.id AS tier_id, l.id AS location_id, trim(coalesce(o.terms->>'currency', t.terms->>'currency')) AS currency,
                   CASE coalesce(o.terms->>'billingInterval', t.terms->>'billingInterval')
                       WHEN 'weekly' THEN round(coalesce(o.terms->>'priceMinor', t.terms->>'priceMinor')::numeric * 52 / 12)::bigint
                       ELSE coalesce(o.terms->>'priceMinor', t.terms->>'priceMinor')::bigint
                   END AS price
            FROM tiers t
                JOIN locations l ON l.organisation_id = t.organisation_id
                LEFT JOIN tier_overrides o ON o.tier_id = t.id AND o.location_id = l.id
            WHERE t.organisation_id = @organisationId
        )
        """;

    /// <summary>The <c>@openingIndex</c> of <see cref="MonthEnds"/>: year × 12 + month.</summary>
    public static int MonthIndex(DateOnly month) => (month.Year * 12) + month.Month;

    /// <summary>Joins the status (<c>ss</c>) and tier (<c>ts</c>) spans in force at <c>{point}.at</c> for member <c>{point}.id</c>.</summary>
    public static string JoinAt(string point) =>
        $"""
        LEFT JOIN status_spans ss ON ss.member_id = {point}.id AND ss.since < {point}.at AND (ss.until IS NULL OR ss.until >= {point}.at)
        LEFT JOIN tier_spans ts ON ts.member_id = {point}.id AND ts.since < {point}.at AND (ts.until IS NULL OR ts.until >= {point}.at)
        """;
}
