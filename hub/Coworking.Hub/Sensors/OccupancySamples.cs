using Coworking.Hub.EdgeSync;
using Coworking.Proto.V1;
using Npgsql;

namespace Coworking.Hub.Sensors;

/// <summary>Why an occupancy event can never be stored as a sample.</summary>
internal enum SampleProblem
{
    /// <summary>The event says nothing about occupancy (no OccupancyReport).</summary>
    NoReport,

    /// <summary>Neither the resource nor the area is an id the hub makes.</summary>
    NothingWatched,

    /// <summary>A count below zero other than -1 (none), or a CO2 reading that is not a positive number.</summary>
    BadReading,

    /// <summary>Further back than the hub keeps samples for, or ahead of the hub's clock by more than a day.</summary>
    OutOfRange,

    /// <summary>A 5-minute aggregate without its window, or with figures that cannot be (occupied longer than the window).</summary>
    BadWindow,
}

/// <summary>
/// The occupancy events of one intake batch as rows of sensor_samples (migration 0121) and the 5-minute aggregates as rows
/// of occupancy_windows (migration 0190), written in the intake's own
/// batch: one transaction with the batch's other events, so an acknowledged batch is stored whole. The month partitions
/// the rows fall in are made first when the partition job has not made them yet.
/// </summary>
internal sealed class OccupancySamples(int capacity)
{
    /// <summary>Samples older than this are refused whatever the retention (the partition function refuses them too).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(365);

    /// <summary>How far ahead of the hub's clock an edge's clock may be.</summary>
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(1);

    private readonly List<string> eventIds = new(capacity);
    private readonly List<Guid?> resourceIds = new(capacity);
    private readonly List<Guid?> areaIds = new(capacity);
    private readonly List<Guid?> sensorIds = new(capacity);
    private readonly List<bool> occupied = new(capacity);
    private readonly List<int?> counts = new(capacity);
    private readonly List<double?> co2 = new(capacity);
    private readonly List<DateTimeOffset> occurredAt = new(capacity);

    private readonly List<string> windowEventIds = [];
    private readonly List<Guid?> windowResourceIds = [];
    private readonly List<Guid?> windowAreaIds = [];
    private readonly List<DateTimeOffset> windowStarts = [];
    private readonly List<int> windowSeconds = [];
    private readonly List<int> windowOccupied = [];
    private readonly List<int?> windowPeaks = [];
    private readonly List<double?> windowCo2Means = [];
    private readonly List<double?> windowCo2Maxes = [];

    private readonly Dictionary<SampleProblem, int> rejected = [];

    public int Count => eventIds.Count + windowEventIds.Count;

    /// <summary>How many events were refused, by why.</summary>
    public IReadOnlyDictionary<SampleProblem, int> Rejected => rejected;

    /// <summary>Adds the event's sample; the problem when it can never be stored (counted in <see cref="Rejected"/>).</summary>
    public SampleProblem? TryAdd(ReportedEvent e, DateTimeOffset now)
    {
        var problem = Check(e, now);
        if (problem is { } refused)
        {
            rejected[refused] = rejected.GetValueOrDefault(refused) + 1;
        }

        return problem;
    }

    private SampleProblem? Check(ReportedEvent e, DateTimeOffset now)
    {
        if (e.Occupancy is not { } report)
        {
            return SampleProblem.NoReport;
        }

        var resource = HubId(report.ResourceId);
        var area = HubId(report.AreaId);
        if (resource is null && area is null)
        {
            return SampleProblem.NothingWatched;
        }

        if (report.Count < -1 || (report.Co2Ppm != 0 && !(double.IsFinite(report.Co2Ppm) && report.Co2Ppm > 0)))
        {
            return SampleProblem.BadReading;
        }

        var at = e.OccurredAt.ToDateTimeOffset();
        if (at < now - MaxAge || at > now + MaxAhead)
        {
            return SampleProblem.OutOfRange;
        }

        if (e.Kind == ReportedEventKind.OccupancyAggregate)
        {
            return AddWindow(e.EventId, resource, area, report);
        }

        eventIds.Add(e.EventId);
        resourceIds.Add(resource);
        areaIds.Add(area);
        sensorIds.Add(HubId(report.SensorId));
        occupied.Add(report.Occupied);
        counts.Add(report.Count >= 0 ? report.Count : null);
        co2.Add(report.Co2Ppm > 0 ? report.Co2Ppm : null);
        occurredAt.Add(at);
        return null;
    }

    private SampleProblem? AddWindow(string eventId, Guid? resource, Guid? area, OccupancyReport report)
    {
        static bool Ppm(double value) => value == 0 || (double.IsFinite(value) && value > 0);
        if (report.WindowStart is null || report.WindowS is < 1 or > 3600 || report.OccupiedS < 0 || report.OccupiedS > report.WindowS
            || report.PeakCount < -1 || !Ppm(report.Co2MeanPpm) || !Ppm(report.Co2MaxPpm))
        {
            return SampleProblem.BadWindow;
        }

        windowEventIds.Add(eventId);
        windowResourceIds.Add(resource);
        windowAreaIds.Add(area);
        windowStarts.Add(report.WindowStart.ToDateTimeOffset());
        windowSeconds.Add(report.WindowS);
        windowOccupied.Add(report.OccupiedS);
        windowPeaks.Add(report.PeakCount >= 0 ? report.PeakCount : null);
        windowCo2Means.Add(report.Co2MeanPpm > 0 ? report.Co2MeanPpm : null);
        windowCo2Maxes.Add(report.Co2MaxPpm > 0 ? report.Co2MaxPpm : null);
        return null;
    }

    /// <summary>The statements that make the missing month partitions and write the samples and aggregates, for the intake's batch.</summary>
    public IEnumerable<NpgsqlBatchCommand> Commands(EdgeIdentity edge, DateTimeOffset now)
    {
        if (windowEventIds.Count > 0)
        {
            yield return new NpgsqlBatchCommand(
                """
                INSERT INTO occupancy_windows (organisation_id, location_id, edge_id, event_id, resource_id, area_id, window_start, window_s, occupied_s,
                                               peak_count, co2_mean_ppm, co2_max_ppm, received_at)
                SELECT @organisationId, @locationId, @edgeId, t.event_id, t.resource_id, t.area_id, t.window_start, t.window_s, t.occupied_s,
                       t.peak_count, t.co2_mean, t.co2_max, @now
                FROM unnest(@eventIds, @resourceIds, @areaIds, @starts, @seconds, @occupied, @peaks, @co2Means, @co2Maxes)
                     AS t(event_id, resource_id, area_id, window_start, window_s, occupied_s, peak_count, co2_mean, co2_max)
                ON CONFLICT (edge_id, event_id) DO NOTHING
                """)
            {
                Parameters =
                {
                    new NpgsqlParameter<Guid>("organisationId", edge.OrganisationId),
                    new NpgsqlParameter<Guid>("locationId", edge.LocationId),
                    new NpgsqlParameter<string>("edgeId", edge.EdgeId.ToString()),
                    new NpgsqlParameter<DateTimeOffset>("now", now),
                    new NpgsqlParameter<string[]>("eventIds", [.. windowEventIds]),
                    new NpgsqlParameter<Guid?[]>("resourceIds", [.. windowResourceIds]),
                    new NpgsqlParameter<Guid?[]>("areaIds", [.. windowAreaIds]),
                    new NpgsqlParameter<DateTimeOffset[]>("starts", [.. windowStarts]),
                    new NpgsqlParameter<int[]>("seconds", [.. windowSeconds]),
                    new NpgsqlParameter<int[]>("occupied", [.. windowOccupied]),
                    new NpgsqlParameter<int?[]>("peaks", [.. windowPeaks]),
                    new NpgsqlParameter<double?[]>("co2Means", [.. windowCo2Means]),
                    new NpgsqlParameter<double?[]>("co2Maxes", [.. windowCo2Maxes]),
                },
            };
        }

        // The rollup counts these resources again from the earliest quarter a sample or aggregate touches (UtilisationRollup).
        yield return new NpgsqlBatchCommand(
            """
            INSERT INTO utilisation_stale (resource_id, organisation_id, location_id, from_quarter)
            SELECT t.resource_id, @organisationId, @locationId, min(date_bin('15 minutes', t.occurred_at, timestamptz '2000-01-01 00:00Z'))
            FROM unnest(@resourceIds, @occurredAt) AS t(resource_id, occurred_at)
            WHERE t.resource_id IS NOT NULL
            GROUP BY t.resource_id
            ON CONFLICT (location_id, resource_id) DO UPDATE SET from_quarter = least(utilisation_stale.from_quarter, excluded.from_quarter)
            """)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid>("organisationId", edge.OrganisationId),
                new NpgsqlParameter<Guid>("locationId", edge.LocationId),
                new NpgsqlParameter<Guid?[]>("resourceIds", [.. resourceIds, .. windowResourceIds]),
                new NpgsqlParameter<DateTimeOffset[]>("occurredAt", [.. occurredAt, .. windowStarts]),
            },
        };

        if (eventIds.Count == 0)
        {
            yield break;
        }

        var months = occurredAt.Select(at => new DateTimeOffset(at.UtcDateTime.Year, at.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero)).Distinct().ToArray();
        yield return new NpgsqlBatchCommand("SELECT sensor_samples_partition(m) FROM unnest(@months) AS m")
        {
            Parameters = { new NpgsqlParameter<DateTimeOffset[]>("months", months) },
        };
        yield return new NpgsqlBatchCommand(
            """
            INSERT INTO sensor_samples (organisation_id, location_id, edge_id, event_id, resource_id, area_id, sensor_id, occupied, people_count,
                                        co2_ppm, occurred_at, received_at)
            SELECT @organisationId, @locationId, @edgeId, t.event_id, t.resource_id, t.area_id, t.sensor_id, t.occupied, t.people_count,
                   t.co2_ppm, t.occurred_at, @now
            FROM unnest(@eventIds, @resourceIds, @areaIds, @sensorIds, @occupied, @counts, @co2, @occurredAt)
                 AS t(event_id, resource_id, area_id, sensor_id, occupied, people_count, co2_ppm, occurred_at)
            ON CONFLICT (edge_id, event_id, occurred_at) DO NOTHING
            """)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid>("organisationId", edge.OrganisationId),
                new NpgsqlParameter<Guid>("locationId", edge.LocationId),
                new NpgsqlParameter<string>("edgeId", edge.EdgeId.ToString()),
                new NpgsqlParameter<DateTimeOffset>("now", now),
                new NpgsqlParameter<string[]>("eventIds", [.. eventIds]),
                new NpgsqlParameter<Guid?[]>("resourceIds", [.. resourceIds]),
                new NpgsqlParameter<Guid?[]>("areaIds", [.. areaIds]),
                new NpgsqlParameter<Guid?[]>("sensorIds", [.. sensorIds]),
                new NpgsqlParameter<bool[]>("occupied", [.. occupied]),
                new NpgsqlParameter<int?[]>("counts", [.. counts]),
                new NpgsqlParameter<double?[]>("co2", [.. co2]),
                new NpgsqlParameter<DateTimeOffset[]>("occurredAt", [.. occurredAt]),
            },
        };
    }

    private static Guid? HubId(string text) => Guid.TryParse(text, out var id) ? id : null;
}
