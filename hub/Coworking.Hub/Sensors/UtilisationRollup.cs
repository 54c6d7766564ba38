using Coworking.Hub.Database;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Coworking.Hub.Sensors;

/// <summary>
/// Keeps utilisation_hours (migration 0122) up to date: for each resource and UTC hour, the seconds it was occupied (a
/// sample's state lasts until the resource's next sample) and the seconds members had it booked. Each round counts every
/// live resource again from the hour the last round reached (so the current hour grows and the one before is finished),
/// and the resources late samples touched from the earliest hour they touch. An hour is always counted whole, replacing
/// what was there, so a round run twice writes the same. A booking changed after its hours were finished is not counted
/// again unless a sample touches them. One hub instance rolls up at a time (an advisory lock).
/// </summary>
public sealed class UtilisationRollup(TenantDataSource db, TimeProvider time, IOptions<SensorOptions> options, ILogger<UtilisationRollup> log)
    : BackgroundService
{
    private const long RollupLockKey = 0x726f6c6c7570;

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

    /// <summary>Counts what changed since the last round, up to now; the resource-hours written.</summary>
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
                SELECT date_trunc('hour', coalesce((SELECT through FROM utilisation_progress), @now - @firstLookBack), 'UTC') AS from_hour
            ), stale AS (
                DELETE FROM utilisation_stale RETURNING location_id, resource_id, from_hour
            ), wanted AS (
                SELECT r.id AS resource_id, (SELECT from_hour FROM progress) AS from_hour FROM resources r WHERE r.removed_at IS NULL
                UNION ALL
                SELECT r.id, s.from_hour FROM stale s JOIN resources r ON r.id = s.resource_id AND r.location_id = s.location_id
            ), targets AS (
                SELECT w.resource_id, r.location_id, l.organisation_id, least(min(w.from_hour), date_trunc('hour', @now, 'UTC')) AS from_hour
                FROM wanted w JOIN resources r ON r.id = w.resource_id JOIN locations l ON l.id = r.location_id
                GROUP BY w.resource_id, r.location_id, l.organisation_id
            ), hours AS (
                SELECT t.resource_id, t.location_id, t.organisation_id, h AS hour
                FROM targets t, generate_series(t.from_hour, date_trunc('hour', @now, 'UTC'), interval '1 hour') AS h
            ), samples AS (
                -- Each sample's state from its time until the resource's next sample, starting with the last one before
                -- the first hour counted; only samples an edge of the resource's own location reported.
                SELECT x.resource_id, x.occurred_at, x.occupied, x.people_count,
                       coalesce(lead(x.occurred_at) OVER (PARTITION BY x.resource_id ORDER BY x.occurred_at, x.event_id), @now) AS until
                FROM targets t
                JOIN LATERAL (
                    SELECT s.resource_id, s.occurred_at, s.occupied, s.people_count, s.event_id
                    FROM sensor_samples s
                    WHERE s.resource_id = t.resource_id AND s.location_id = t.location_id AND s.occurred_at < @now
                      AND s.occurred_at >= coalesce(
                          (SELECT max(p.occurred_at) FROM sensor_samples p
                           WHERE p.resource_id = t.resource_id AND p.location_id = t.location_id AND p.occurred_at < t.from_hour),
                          t.from_hour)
                ) x ON true
            ), occupied AS (
                SELECT h.resource_id, h.hour,
                       coalesce(sum(extract(epoch FROM least(s.until, h.hour + interval '1 hour') - greatest(s.occurred_at, h.hour)))
                                FILTER (WHERE s.occupied), 0) AS seconds,
                       -- (least and greatest skip NULLs: each sum counts only the rows its FILTER keeps.)
                       max(s.people_count) AS peak_count
                FROM hours h
                LEFT JOIN samples s ON s.resource_id = h.resource_id AND s.occurred_at < h.hour + interval '1 hour' AND s.until > h.hour
                GROUP BY h.resource_id, h.hour
            ), booked AS (
                SELECT h.resource_id, h.hour,
                       coalesce(sum(extract(epoch FROM least(b.ends_at, h.hour + interval '1 hour', @now) - greatest(b.starts_at, h.hour)))
                                FILTER (WHERE b.id IS NOT NULL), 0) AS seconds
                FROM hours h
                LEFT JOIN bookings b ON b.resource_id = h.resource_id AND b.kind = 'member' AND b.cancelled_at IS NULL
                                    AND b.starts_at < least(h.hour + interval '1 hour', @now) AND b.ends_at > h.hour
                GROUP BY h.resource_id, h.hour
            ), counted AS (
                SELECT h.organisation_id, h.location_id, h.resource_id, h.hour, round(o.seconds)::int AS occupied_s, round(b.seconds)::int AS booked_s,
                       o.peak_count
                FROM hours h
                JOIN occupied o ON o.resource_id = h.resource_id AND o.hour = h.hour
                JOIN booked b ON b.resource_id = h.resource_id AND b.hour = h.hour
                WHERE round(o.seconds) > 0 OR round(b.seconds) > 0 OR o.peak_count IS NOT NULL
            ), cleared AS (
                -- Hours counted again that now hold nothing; disjoint from the rows written below, so the two never meet.
                DELETE FROM utilisation_hours u USING targets t
                WHERE u.resource_id = t.resource_id AND u.hour >= t.from_hour
                  AND NOT EXISTS (SELECT 1 FROM counted c WHERE c.resource_id = u.resource_id AND c.hour = u.hour)
            ), written AS (
                INSERT INTO utilisation_hours (organisation_id, location_id, resource_id, hour, occupied_s, booked_s, peak_count)
                SELECT organisation_id, location_id, resource_id, hour, occupied_s, booked_s, peak_count FROM counted
                ON CONFLICT (resource_id, hour) DO UPDATE
                    SET occupied_s = excluded.occupied_s, booked_s = excluded.booked_s, peak_count = excluded.peak_count
                RETURNING 1
            ), moved AS (
                INSERT INTO utilisation_progress (only_row, through) VALUES (true, @now)
                ON CONFLICT (only_row) DO UPDATE SET through = excluded.through
            )
            SELECT count(*) FROM written
            """,
            new { now, firstLookBack = options.Value.FirstRollupLookBack },
            tx,
            cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return written;
    }
}
