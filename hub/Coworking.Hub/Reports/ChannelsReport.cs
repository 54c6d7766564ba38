using Dapper;

namespace Coworking.Hub.Reports;

/// <summary>
/// Members of one home location who first joined in the period through one acquisition channel, and how many of them
/// were still paying 30, 90 and 180 days after joining — of those for whom that day has come.
/// </summary>
public sealed record ChannelRow(
    Guid LocationId, string Location, string Channel, int Joined, int Due30, int Retained30, double? Retention30, int Due90, int Retained90,
    double? Retention90, int Due180, int Retained180, double? Retention180);

public sealed record ChannelsReportResponse(string From, string To, DateTimeOffset At, Guid? LocationId, Guid? TierId, IReadOnlyList<ChannelRow> Rows);

/// <summary>Acquisition channel with 30/90/180-day retention (docs/REPORTS.md, "Acquisition channel").</summary>
internal sealed class ChannelsReport(IReportsDatabase db)
{
    /// <summary>
    /// Each member's first join (its channel and tier are the joined event's), in the period by the home location's months;
    /// at each of 30, 90 and 180 days after it, their status then, as in <see cref="MrrReport"/>.
    /// </summary>
    private static readonly string Sql =
        """
        WITH cohort AS (
            SELECT m.id, l.id AS location_id, l.name AS location_name, j.channel, j.occurred_at AS joined_at
            FROM members m
                JOIN locations l ON l.id = m.home_location_id
                CROSS JOIN LATERAL (
                    SELECT e.detail->>'channel' AS channel, (e.detail->>'tierId')::uuid AS tier_id, e.occurred_at FROM member_events e
                    WHERE e.member_id = m.id AND e.kind = 'joined' ORDER BY e.occurred_at LIMIT 1) j
            WHERE m.organisation_id = @organisationId
              AND (@scope::uuid[] IS NULL OR l.id = ANY(@scope))
              AND (@locationId::uuid IS NULL OR l.id = @locationId)
              AND (@tierId::uuid IS NULL OR j.tier_id = @tierId)
              AND (j.occurred_at AT TIME ZONE l.time_zone) >= @from AND (j.occurred_at AT TIME ZONE l.time_zone) < @to
        ),
        people AS (SELECT id FROM cohort),
        checks AS (
            SELECT c.*, d.days, c.joined_at + make_interval(days => d.days) AS at
            FROM cohort c CROSS JOIN (VALUES (30), (90), (180)) AS d (days)
            WHERE c.joined_at + make_interval(days => d.days) <= @at
        ),
        """ + "\n" + MemberTimeline.Ctes + ",\n" +
        """
        states AS (
            SELECT ch.location_id, ch.channel, ch.days, ss.status IN ('active', 'suspended') AS paying
            FROM checks ch
        """ + "\n" + MemberTimeline.JoinAt("ch") + "\n" +
        """
        ),
        checked AS (
            SELECT location_id, channel,
                   count(*) FILTER (WHERE days = 30)::int AS due30, count(*) FILTER (WHERE days = 30 AND paying)::int AS retained30,
                   count(*) FILTER (WHERE days = 90)::int AS due90, count(*) FILTER (WHERE days = 90 AND paying)::int AS retained90,
                   count(*) FILTER (WHERE days = 180)::int AS due180, count(*) FILTER (WHERE days = 180 AND paying)::int AS retained180
            FROM states
            GROUP BY location_id, channel
        )
        SELECT c.location_id, c.location_name AS location, c.channel, count(*)::int AS joined,
               coalesce(k.due30, 0) AS due30, coalesce(k.retained30, 0) AS retained30, coalesce(k.due90, 0) AS due90,
               coalesce(k.retained90, 0) AS retained90, coalesce(k.due180, 0) AS due180, coalesce(k.retained180, 0) AS retained180
        FROM cohort c LEFT JOIN checked k ON k.location_id = c.location_id AND k.channel = c.channel
        GROUP BY c.location_id, c.location_name, c.channel, k.due30, k.retained30, k.due90, k.retained90, k.due180, k.retained180
        ORDER BY c.location_name, c.location_id, c.channel
        """;

    public async Task<ChannelsReportResponse> RunAsync(ReportFilter filter, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var snapshot = await db.OpenSnapshotAsync(cancellationToken);
        var rows = (await snapshot.Connection.QueryAsync<Row>(new CommandDefinition(
            Sql,
            new
            {
                organisationId = filter.Caller.OrganisationId, scope = filter.Scope, filter.LocationId, filter.TierId, at,
                from = filter.Period.From.ToDateTime(TimeOnly.MinValue), to = filter.Period.EndExclusive.ToDateTime(TimeOnly.MinValue),
            },
            snapshot.Transaction,
            cancellationToken: cancellationToken)))
            .Select(r => new ChannelRow(
                r.LocationId, r.Location, r.Channel, r.Joined, r.Due30, r.Retained30, Rate(r.Retained30, r.Due30), r.Due90, r.Retained90, Rate(r.Retained90, r.Due90),
                r.Due180, r.Retained180, Rate(r.Retained180, r.Due180)))
            .ToList();
        return new ChannelsReportResponse(
            ReportPeriod.Format(filter.Period.From), ReportPeriod.Format(filter.Period.To), at, filter.LocationId, filter.TierId, rows);
    }

    /// <summary>A share to four decimal places, or null when no member has reached that day yet.</summary>
    private static double? Rate(int part, int whole) => whole == 0 ? null : Math.Round((double)part / whole, 4, MidpointRounding.AwayFromZero);

    private sealed record Row(
        Guid LocationId, string Location, string Channel, int Joined, int Due30, int Retained30, int Due90, int Retained90, int Due180, int Retained180);
}
