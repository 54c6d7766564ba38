using Coworking.Hub.Database;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Coworking.Hub.Sensors;

/// <summary>
/// Keeps utilisation_quarters (migration 0190) up to date: for each resource and UTC quarter of an hour, the seconds it was
/// occupied (a sample's state lasts until the resource's next sample), the seconds members had it booked, the most people
/// counted and CO2 from the edges' 5-minute aggregates. Each round counts every live resource again from the quarter the
/// last round reached (so the current quarter grows and the one before is finished), and the resources late samples
/// touched from the earliest quarter they touch. A quarter is always counted whole, replacing
/// what was there, so a round run twice writes the same. A booking changed after its hours were finished is not counted
/// again unless a sample touches them. One hub instance rolls up at a time (an advisory lock).
/// </summary>
public sealed class UtilisationRollup(TenantDataSource db, TimeProvider time, IOptions<SensorOptions> options, ILogger<UtilisationRollup> log)
    : BackgroundService
{
    private const long RollupLockKey = 0x726f6c6c7570;

    /// <summary>Quarters are counted from the hour: any instant on a UTC hour serves as date_bin's origin.</summary>
    private static readonly DateTimeOffset QuarterOrigin = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RollupInterval, time);
        do
        {
            try
            {
                await RollUpAsync(stoppingToken);
            }
            catch (NpgsqlException ex)
            {
                log.LogWarning(ex, "Utilisation rollup failed; trying again next round");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Counts what changed since the last round, up to now; the resource-quarters written.</summary>
    public async Task<long> RollUpAsync(CancellationToken cancellationToken)
    {
        using var system = TenantScope.System("utilisation rollup: every organisation's samples and bookings");
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key)", new { key = RollupLockKey }, tx, cancellationToken: cancellationToken));
        var written = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            WITH progress AS (
                SELECT date_bin('15 minutes', coalesce((SELECT through FROM utilisation_progress), @now - @firstLookBack), @origin) AS from_quarter
            ), stale AS (
                DELETE FROM utilisation_stale RETURNING location_id, resource_id, from_quarter
            ), wanted AS (
                SELECT r.id AS resource_id, (SELECT from_quarter FROM progress) AS from_quarter FROM resources r WHERE r.removed_at IS NULL
                UNION ALL
                SELECT r.id, date_bin('15 minutes', s.from_quarter, @origin) FROM stale s JOIN resources r ON r.id = s.resource_id AND r.location_id = s.location_id
            ), targets AS (
                SELECT w.resource_id, r.location_id, l.organisation_id, least(min(w.from_quarter), date_bin('15 minutes', @now, @origin)) AS from_quarter
                FROM wanted w JOIN resources r ON r.id = w.resource_id JOIN locations l ON l.id = r.location_id
                GROUP BY w.resource_id, r.location_id, l.organisation_id
            ), quarters AS (
                SELECT t.resource_id, t.location_id, t.organisation_id, q AS quarter
                FROM targets t, generate_series(t.from_quarter, date_bin('15 minutes', @now, @origin), interval '15 minutes') AS q
            ), samples AS (
                -- Each sample's state from its time until the resource's next sample, starting with the last one before
                -- the first quarter counted; only samples an edge of the resource's own location reported.
                SELECT x.resource_id, x.occurred_at, x.occupied, x.people_count,
                       coalesce(lead(x.occurred_at) OVER (PARTITION BY x.resource_id ORDER BY x.occurred_at, x.event_id), @now) AS until
                FROM targets t
                JOIN LATERAL (
                    SELECT s.resource_id, s.occurred_at, s.occupied, s.people_count, s.event_id
                    FROM sensor_samples s
                    WHERE s.resource_id = t.resource_id AND s.location_id = t.location_id AND s.occurred_at < @now
                      AND s.occurred_at >= coalesce(
                          (SELECT max(p.occurred_at) FROM sensor_samples p
                           WHERE p.resource_id = t.resource_id AND p.location_id = t.location_id AND p.occurred_at < t.from_quarter),
                          t.from_quarter)
                ) x ON true
            ), occupied AS (
                SELECT q.resource_id, q.quarter,
                       coalesce(sum(extract(epoch FROM least(s.until, q.quarter + interval '15 minutes') - greatest(s.occurred_at, q.quarter)))
                                FILTER (WHERE s.occupied), 0) AS seconds,
                       -- (least and greatest skip NULLs: each sum counts only the rows its FILTER keeps.)
                       max(s.people_count) AS peak_count
                FROM quarters q
                LEFT JOIN samples s ON s.resource_id = q.resource_id AND s.occurred_at < q.quarter + interval '15 minutes' AND s.until > q.quarter
                GROUP BY q.resource_id, q.quarter
            ), booked AS (
                SELECT q.resource_id, q.quarter,
                       coalesce(sum(extract(epoch FROM least(b.ends_at, q.quarter + interval '15 minutes', @now) - greatest(b.starts_at, q.quarter)))
                                FILTER (WHERE b.id IS NOT NULL), 0) AS seconds
                FROM quarters q
                LEFT JOIN bookings b ON b.resource_id = q.resource_id AND b.kind = 'member' AND b.cancelled_at IS NULL
                                    AND b.starts_at < least(q.quarter + interval '15 minutes', @now) AND b.ends_at > q.quarter
                GROUP BY q.resource_id, q.quarter
            ), air AS (
                -- CO2 from the edges' 5-minute aggregates that start in the quarter, the mean weighted by each window's length.
                SELECT q.resource_id, q.quarter,
                       sum(w.co2_mean_ppm * w.window_s) / nullif(sum(w.window_s) FILTER (WHERE w.co2_mean_ppm IS NOT NULL), 0) AS co2_mean,
                       max(w.co2_max_ppm) AS co2_max
                FROM quarters q
                JOIN occupancy_windows w ON w.resource_id = q.resource_id AND w.location_id = q.location_id
                                        AND w.window_start >= q.quarter AND w.window_start < q.quarter + interval '15 minutes'
                GROUP BY q.resource_id, q.quarter
            ), counted AS (
                SELECT q.organisation_id, q.location_id, q.resource_id, q.quarter, round(o.seconds)::int AS occupied_s, round(b.seconds)::int AS booked_s,
                       o.peak_count, round(a.co2_mean::numeric, 1)::double precision AS co2_mean, a.co2_max
                FROM quarters q
                JOIN occupied o ON o.resource_id = q.resource_id AND o.quarter = q.quarter
                JOIN booked b ON b.resource_id = q.resource_id AND b.quarter = q.quarter
                LEFT JOIN air a ON a.resource_id = q.resource_id AND a.quarter = q.quarter
                WHERE round(o.seconds) > 0 OR round(b.seconds) > 0 OR o.peak_count IS NOT NULL OR a.co2_max IS NOT NULL
            ), cleared AS (
                -- Quarters counted again that now hold nothing; disjoint from the rows written below, so the two never meet.
                DELETE FROM utilisation_quarters u USING targets t
                WHERE u.resource_id = t.resource_id AND u.quarter >= t.from_quarter
                  AND NOT EXISTS (SELECT 1 FROM counted c WHERE c.resource_id = u.resource_id AND c.quarter = u.quarter)
            ), written AS (
                INSERT INTO utilisation_quarters (organisation_id, location_id, resource_id, quarter, occupied_s, booked_s, peak_count, co2_mean_ppm, co2_max_ppm)
                SELECT organisation_id, location_id, resource_id, quarter, occupied_s, booked_s, peak_count, co2_mean, co2_max FROM counted
                ON CONFLICT (resource_id, quarter) DO UPDATE
                    SET occupied_s = excluded.occupied_s, booked_s = excluded.booked_s, peak_count = excluded.peak_count,
                        co2_mean_ppm = excluded.co2_mean_ppm, co2_max_ppm = excluded.co2_max_ppm
                RETURNING 1
            ), moved AS (
                INSERT INTO utilisation_progress (only_row, through) VALUES (true, @now)
                ON CONFLICT (only_row) DO UPDATE SET through = excluded.through
            )
            SELECT count(*) FROM written
            """,
            new { now, firstLookBack = options.Value.FirstRollupLookBack, origin = QuarterOrigin },
            tx,
            cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return written;
    }
}
