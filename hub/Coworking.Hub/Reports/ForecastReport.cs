using Coworking.Hub.Auth;
using Coworking.Hub.Locations;
using Dapper;

namespace Coworking.Hub.Reports;

/// <summary>
/// One location, forecast month and currency: members contracted to pay at the month's end, what they pay (the
/// contracted MRR), and that discounted by each tier's measured churn at its mean, highest and lowest monthly rate.
/// </summary>
public sealed record ForecastRow(
    Guid LocationId, string Location, string Month, string Currency, int ContractedMembers, long ContractedMinor, long ForecastMinor, long LowMinor, long HighMinor);

/// <summary>The forecast over every location in the report, per month and currency.</summary>
public sealed record ForecastTotal(string Month, string Currency, int ContractedMembers, long ContractedMinor, long ForecastMinor, long LowMinor, long HighMinor);

/// <summary>
/// A tier's monthly logo churn over the window: the months with members at their start, members at the starts and
/// churned added up, the pooled rate (churned / at start) and the lowest and highest monthly rate.
/// </summary>
public sealed record ForecastChurn(Guid TierId, string Tier, int Months, int AtStart, int Churned, double MeanRate, double MinRate, double MaxRate);

public sealed record ForecastReportResponse(
    DateTimeOffset At, string ChurnFrom, string ChurnTo, string From, string To, Guid? LocationId, Guid? TierId, IReadOnlyList<ForecastChurn> Churn,
    IReadOnlyList<ForecastRow> Rows, IReadOnlyList<ForecastTotal> Totals);

/// <summary>The 12-month revenue forecast (docs/REPORTS.md, "Revenue forecast").</summary>
internal sealed class ForecastReport(IReportsDatabase db)
{
    /// <summary>Months forecast, after the month of <c>at</c>.</summary>
    public const int Horizon = 12;

    /// <summary>Months of churn measured, before the month of <c>at</c>.</summary>
    public const int ChurnWindow = 6;

    private const string People =
        """
        WITH people AS MATERIALIZED (
            SELECT m.id, m.home_location_id AS location_id, l.time_zone, NULL::timestamptz AS first_joined
            FROM members m JOIN locations l ON l.id = m.home_location_id
            WHERE m.organisation_id = @organisationId
              AND (@scope::uuid[] IS NULL OR l.id = ANY(@scope))
              AND (@locationId::uuid IS NULL OR l.id = @locationId)
        ),
        """;

    /// <summary>
    /// Each member's contract at <c>@at</c>: status and tier then (the spans of their events), and what was known then to
    /// come — the cancellation scheduled for a later instant, the end of the pause they are on, the tier change scheduled
    /// (unless a change made at once since has replaced it, as the membership does).
    /// </summary>
    private static readonly string ContractsSql =
        People + MemberTimeline.Ctes + ",\n" +
        """
        states AS (
            SELECT p.id, p.location_id, p.time_zone, ss.status, ts.tier_id
            FROM (SELECT id, location_id, time_zone, @at::timestamptz AS at FROM people) p
        """ + "\n" + MemberTimeline.JoinAt("p") + "\n" +
        """
        )
        SELECT s.id AS member_id, s.location_id, s.time_zone, s.status, s.tier_id,
               (SELECT (e.detail->>'at')::timestamptz FROM member_events e
                WHERE e.member_id = s.id AND e.kind = 'cancellation_scheduled' AND e.occurred_at <= @at AND (e.detail->>'at')::timestamptz > @at
                ORDER BY e.occurred_at DESC LIMIT 1) AS cancel_at,
               CASE WHEN s.status = 'paused' THEN
                   (SELECT (e.detail->>'until')::timestamptz FROM member_events e
                    WHERE e.member_id = s.id AND e.kind = 'paused' AND e.occurred_at <= @at ORDER BY e.occurred_at DESC LIMIT 1) END AS resume_at,
               pending.tier_id AS pending_tier_id, pending.at AS pending_at
        FROM states s
        LEFT JOIN LATERAL (
            SELECT (e.detail->>'to')::uuid AS tier_id, (e.detail->>'at')::timestamptz AS at FROM member_events e
            WHERE e.member_id = s.id AND e.kind = 'tier_change_scheduled' AND e.occurred_at <= @at AND (e.detail->>'at')::timestamptz > @at
              AND NOT EXISTS (
                  SELECT FROM member_events c
                  WHERE c.member_id = s.id AND c.kind = 'tier_changed' AND c.occurred_at > e.occurred_at AND c.occurred_at <= @at)
            ORDER BY e.occurred_at DESC LIMIT 1
        ) pending ON true
        WHERE s.status IN ('active', 'suspended', 'paused') AND s.tier_id IS NOT NULL
        """;

    /// <summary>
    /// The window's month ends (<see cref="MemberTimeline.MonthEnds"/>): per tier and month, the members paying in it at the
    /// month's start and of those the ones paying in no tier at its end, as the members report counts churn.
    /// </summary>
    private const string ChurnSql =
        People + MemberTimeline.MonthEnds + ",\n" +
        """
        valued AS (
            SELECT me.id, me.k, CASE WHEN me.status IN ('active', 'suspended') THEN me.tier_id END AS paying_tier FROM month_ends me
        ),
        paired AS (
            SELECT v.*, lag(v.paying_tier) OVER (PARTITION BY v.id ORDER BY v.k) AS prev_tier FROM valued v
        )
        SELECT prev_tier AS tier_id, k, count(*)::int AS at_start, (count(*) FILTER (WHERE paying_tier IS NULL))::int AS churned
        FROM paired WHERE k > 0 AND prev_tier IS NOT NULL
        GROUP BY prev_tier, k
        """;

    private const string PricesSql =
        "WITH " + MemberTimeline.Prices +
        """
        SELECT pr.tier_id, pr.location_id, pr.currency, pr.price AS price_minor, t.name AS tier, l.name AS location
        FROM prices pr JOIN tiers t ON t.id = pr.tier_id JOIN locations l ON l.id = pr.location_id
        """;

    public async Task<ForecastReportResponse> RunAsync(Caller caller, Guid? locationId, Guid? tierId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var month = new DateOnly(at.UtcDateTime.Year, at.UtcDateTime.Month, 1);
        var churnFrom = month.AddMonths(-ChurnWindow);
        await using var snapshot = await db.OpenSnapshotAsync(cancellationToken);
        var scope = new { organisationId = caller.OrganisationId, scope = caller.Scope, locationId };
        var contracts = await snapshot.Connection.QueryAsync<Contract>(new CommandDefinition(
            ContractsSql, new { scope.organisationId, scope.scope, scope.locationId, at }, snapshot.Transaction, cancellationToken: cancellationToken));
        var months = await snapshot.Connection.QueryAsync<ChurnMonth>(new CommandDefinition(
            ChurnSql,
            new
            {
                scope.organisationId, scope.scope, scope.locationId, opening = churnFrom.AddMonths(-1), openingIndex = MemberTimeline.MonthIndex(churnFrom.AddMonths(-1)),
                steps = ChurnWindow,
            },
            snapshot.Transaction,
            cancellationToken: cancellationToken));
        var prices = (await snapshot.Connection.QueryAsync<Price>(new CommandDefinition(
            PricesSql, new { scope.organisationId }, snapshot.Transaction, cancellationToken: cancellationToken))).ToList();

        var churn = Churn(months, prices);
        var byTier = churn.ToDictionary(c => c.TierId);
        var price = prices.ToDictionary(p => (p.TierId, p.LocationId));
        var sums = new Dictionary<(Guid Location, int Month, string Currency), Sum>();
        foreach (var contract in contracts)
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(contract.TimeZone);
            for (var i = 1; i <= Horizon; i++)
            {
                var end = ZoneTime.At(month.AddMonths(i + 1), 0, zone);
                if (contract.TierAt(end) is not { } tier || (tierId is { } wanted && tier != wanted) || !price.TryGetValue((tier, contract.LocationId), out var p))
                {
                    continue;
                }

                var rates = byTier.GetValueOrDefault(tier);
                var key = (contract.LocationId, i, p.Currency);
                var sum = sums.GetValueOrDefault(key) ?? new Sum();
                sum.Members++;
                sum.Contracted += p.PriceMinor;
                sum.Forecast += p.PriceMinor * Math.Pow(1 - (rates?.MeanRate ?? 0), i);
                sum.Low += p.PriceMinor * Math.Pow(1 - (rates?.MaxRate ?? 0), i);
                sum.High += p.PriceMinor * Math.Pow(1 - (rates?.MinRate ?? 0), i);
                sums[key] = sum;
            }
        }

        var names = prices.GroupBy(p => p.LocationId).ToDictionary(g => g.Key, g => g.First().Location);
        var rows = sums
            .Select(s => new ForecastRow(
                s.Key.Location, names[s.Key.Location], ReportPeriod.Format(month.AddMonths(s.Key.Month)), s.Key.Currency, s.Value.Members, s.Value.Contracted,
                Minor(s.Value.Forecast), Minor(s.Value.Low), Minor(s.Value.High)))
            .OrderBy(r => r.Location, StringComparer.Ordinal).ThenBy(r => r.LocationId).ThenBy(r => r.Month, StringComparer.Ordinal)
            .ThenBy(r => r.Currency, StringComparer.Ordinal)
            .ToList();
        var totals = rows
            .GroupBy(r => (r.Month, r.Currency))
            .Select(g => new ForecastTotal(
                g.Key.Month, g.Key.Currency, g.Sum(r => r.ContractedMembers), g.Sum(r => r.ContractedMinor), g.Sum(r => r.ForecastMinor), g.Sum(r => r.LowMinor),
                g.Sum(r => r.HighMinor)))
            .OrderBy(t => t.Month, StringComparer.Ordinal).ThenBy(t => t.Currency, StringComparer.Ordinal)
            .ToList();
        return new ForecastReportResponse(
            at, ReportPeriod.Format(churnFrom), ReportPeriod.Format(month.AddMonths(-1)), ReportPeriod.Format(month.AddMonths(1)),
            ReportPeriod.Format(month.AddMonths(Horizon)), locationId, tierId, churn, rows, totals);
    }

    /// <summary>Each tier's churn over the window; months nobody was paying in the tier at the start have no rate.</summary>
    private static List<ForecastChurn> Churn(IEnumerable<ChurnMonth> months, List<Price> prices)
    {
        var tiers = prices.GroupBy(p => p.TierId).ToDictionary(g => g.Key, g => g.First().Tier);
        return months
            .Where(m => m.AtStart > 0 && tiers.ContainsKey(m.TierId))
            .GroupBy(m => m.TierId)
            .Select(g =>
            {
                var atStart = g.Sum(m => m.AtStart);
                var churned = g.Sum(m => m.Churned);
                var rates = g.Select(m => (double)m.Churned / m.AtStart).ToList();
                return new ForecastChurn(g.Key, tiers[g.Key], g.Count(), atStart, churned, Rate((double)churned / atStart), Rate(rates.Min()), Rate(rates.Max()));
            })
            .OrderBy(c => c.Tier, StringComparer.Ordinal).ThenBy(c => c.TierId)
            .ToList();
    }

    private static double Rate(double rate) => Math.Round(rate, 4, MidpointRounding.AwayFromZero);

    private static long Minor(double amount) => (long)Math.Round(amount, MidpointRounding.AwayFromZero);

    private sealed class Sum
    {
        public int Members { get; set; }

        public long Contracted { get; set; }

        public double Forecast { get; set; }

        public double Low { get; set; }

        public double High { get; set; }
    }

    private sealed class Contract
    {
        public Guid LocationId { get; init; }

        public string TimeZone { get; init; } = "";

        public string Status { get; init; } = "";

        public Guid TierId { get; init; }

        public DateTimeOffset? CancelAt { get; init; }

        public DateTimeOffset? ResumeAt { get; init; }

        public Guid? PendingTierId { get; init; }

        public DateTimeOffset? PendingAt { get; init; }

        /// <summary>
        /// The tier the member is contracted to pay at <paramref name="end"/>, or null when not paying then: an event is in
        /// force from its instant on (<c>since &lt; end</c>), as in the MRR report.
        /// </summary>
        public Guid? TierAt(DateTimeOffset end)
        {
            if (CancelAt < end)
            {
                return null;
            }

            if (Status == "paused" && !(ResumeAt < end))
            {
                return null;
            }

            return PendingAt < end && PendingTierId is { } pending ? pending : TierId;
        }
    }

    private sealed record ChurnMonth(Guid TierId, int K, int AtStart, int Churned);

    private sealed record Price(Guid TierId, Guid LocationId, string Currency, long PriceMinor, string Tier, string Location);
}
