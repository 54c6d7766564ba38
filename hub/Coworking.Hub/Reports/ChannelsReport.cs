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
    private const string Sql =
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
        checks AS (
            SELECT c.*, d.days, c.joined_at + make_interval(days => d.days) AS checked_at
            FROM cohort c CROSS JOIN (VALUES (30), (90), (180)) AS d (days)
        ),
        states AS (
            SELECT ch.*,
                   (SELECT CASE e.kind WHEN 'status_changed' THEN e.detail->>'to' WHEN 'joined' THEN 'active' WHEN 'resumed' THEN 'active' ELSE e.kind END
                    FROM member_events e
                    WHERE e.member_id = ch.id AND e.kind IN ('joined', 'paused', 'resumed', 'cancelled', 'status_changed')
                      AND coalesce((e.detail->>'at')::timestamptz, e.occurred_at) < ch.checked_at
                    ORDER BY coalesce((e.detail->>'at')::timestamptz, e.occurred_at) DESC, e.occurred_at DESC LIMIT 1) AS status
            FROM checks ch
            WHERE ch.checked_at <= @at
        )
        SELECT c.location_id, c.location_name AS location, c.channel, count(*)::int AS joined,
               (SELECT count(*) FROM states s WHERE s.location_id = c.location_id AND s.channel = c.channel AND s.days = 30)::int AS due30,
               (SELECT count(*) FROM states s WHERE s.location_id = c.location_id AND s.channel = c.channel AND s.days = 30 AND s.status IN ('active', 'suspended'))::int AS retained30,
               (SELECT count(*) FROM states s WHERE s.location_id = c.location_id AND s.channel = c.channel AND s.days = 90)::int AS due90,
               (SELECT count(*) FROM states s WHERE s.location_id = c.location_id AND s.channel = c.channel AND s.days = 90 AND s.status IN ('active', 'suspended'))::int AS retained90,
               (SELECT count(*) FROM states s WHERE s.location_id = c.location_id AND s.channel = c.channel AND s.days = 180)::int AS due180,
               (SELECT count(*) FROM states s WHERE s.location_id = c.location_id AND s.channel = c.channel AND s.days = 180 AND s.status IN ('active', 'suspended'))::int AS retained180
        FROM cohort c
        GROUP BY c.location_id, c.location_name, c.channel
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
