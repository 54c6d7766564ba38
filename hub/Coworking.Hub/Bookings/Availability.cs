using Coworking.Hub.Locations;
using Coworking.Hub.Resources;
using Npgsql;

namespace Coworking.Hub.Bookings;

/// <summary>When one resource is free on a local date, and when it is taken (without saying by whom).</summary>
public sealed record ResourceAvailability(Guid Id, string Name, ResourceKind Kind, int Capacity, Guid AreaId, IReadOnlyList<Interval> Free, IReadOnlyList<Interval> Taken);

/// <summary>A location's resources over one local date (23, 24 or 25 hours long), instants in UTC.</summary>
public sealed record AvailabilityResponse(Guid LocationId, DateOnly Date, string TimeZone, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<ResourceAvailability> Resources);

/// <summary>
/// Availability in one round trip whatever the number of resources: the resources, and every live booking of the
/// location that day (through the location/time GiST index); free time is the bookable hours minus those.
/// </summary>
internal sealed class Availability(Database.TenantDataSource db)
{
    public async Task<AvailabilityResponse> ForDayAsync(Guid locationId, string timeZone, DateOnly date, ResourceKind? kind, CancellationToken cancellationToken)
    {
        var zone = ZoneTime.Zone(timeZone);
        var day = ZoneTime.Day(date, zone);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(conn)
        {
            BatchCommands =
            {
                ResourceStore.ListCommand(locationId, kind),
                new NpgsqlBatchCommand(
                    """
                    SELECT resource_id, starts_at, ends_at FROM bookings
                    WHERE location_id = @locationId AND cancelled_at IS NULL AND tstzrange(starts_at, ends_at) && tstzrange(@from, @to)
                    """)
                {
                    Parameters =
                    {
                        new NpgsqlParameter<Guid>("locationId", locationId),
                        new NpgsqlParameter<DateTimeOffset>("from", day.Start.ToUniversalTime()),
                        new NpgsqlParameter<DateTimeOffset>("to", day.End.ToUniversalTime()),
                    },
                },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var resources = await ResourceStore.ReadListAsync(reader, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var taken = new Dictionary<Guid, List<Interval>>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var resourceId = reader.GetGuid(0);
            if (!taken.TryGetValue(resourceId, out var busy))
            {
                taken[resourceId] = busy = [];
            }

            busy.Add(Clip(new Interval(reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2)), day));
        }

        var answer = new List<ResourceAvailability>(resources.Count);
        foreach (var r in resources)
        {
            var open = r.BookableHours is { } hours
                ? hours.Intervals(date.AddDays(-1), date.AddDays(1), zone).Where(w => w.Overlaps(day)).Select(w => Clip(w, day)).ToList()
                : [day];
            var busy = taken.GetValueOrDefault(r.Id) ?? [];
            busy.Sort(static (a, b) => a.Start.CompareTo(b.Start));
            answer.Add(new ResourceAvailability(r.Id, r.Name, r.Kind, r.Capacity, r.AreaId, Subtract(open, busy), busy));
        }

        return new AvailabilityResponse(locationId, date, timeZone, day.Start, day.End, answer);
    }

    private static Interval Clip(Interval interval, Interval to) =>
        new(interval.Start > to.Start ? interval.Start : to.Start, interval.End < to.End ? interval.End : to.End);

    /// <summary>The parts of <paramref name="open"/> (ordered, disjoint) not covered by <paramref name="busy"/> (ordered by start).</summary>
    private static List<Interval> Subtract(List<Interval> open, List<Interval> busy)
    {
        var free = new List<Interval>();
        foreach (var window in open)
        {
            var cursor = window.Start;
            foreach (var taken in busy.Where(b => b.Overlaps(window)))
            {
                if (taken.Start > cursor)
                {
                    free.Add(new Interval(cursor, taken.Start));
                }

                if (taken.End > cursor)
                {
                    cursor = taken.End;
                }
            }

            if (cursor < window.End)
            {
                free.Add(new Interval(cursor, window.End));
            }
        }

        return free;
    }
}
