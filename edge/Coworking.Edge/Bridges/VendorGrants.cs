using Coworking.Edge.Cache;
using Coworking.Proto.V1;

namespace Coworking.Edge.Bridges;

/// <summary>One time-scoped access the bridge wants at a vendor: the holder may open this set of the vendor's locks inside this window.</summary>
/// <param name="LockSet">The vendor's lock ids, sorted, comma-separated: the key of the vendor's group for them.</param>
/// <param name="ValidFrom">Null: since ever.</param>
/// <param name="ValidUntil">Null: for good.</param>
internal sealed record VendorGrant(string HolderId, string LockSet, DateTimeOffset? ValidFrom, DateTimeOffset? ValidUntil);

/// <summary>
/// What a vendor should hold, from the grant cache alone (docs/BRIDGES.md): for each active holder and each grant of theirs
/// that covers the vendor's doors, one access to exactly those locks with the grant's window. Vendors whose grants know only
/// a start and an end get a grant with weekly windows as one dated access per window occurrence inside the horizon, each
/// within one local day: a span across midnight (Mon 22:00-24:00 and Tue 00:00-06:00) is two, split at local midnight as
/// the hub's windows are.
/// </summary>
internal static class VendorGrants
{
    /// <summary>The location's doors driven by <paramref name="controller"/>, by hub door id, with the vendor's lock id.</summary>
    public static Dictionary<string, string> DoorsOf(CacheIndex index, DoorController controller) =>
        index.Doors.Where(d => d.Controller == controller && d.VendorLockId.Length > 0)
            .ToDictionary(d => d.DoorId, d => d.VendorLockId, StringComparer.Ordinal);

    public static HashSet<VendorGrant> Compute<TLock>(CacheIndex index, IReadOnlyDictionary<string, TLock> doors, DateTimeOffset now, TimeSpan horizon)
        where TLock : notnull
    {
        var desired = new HashSet<VendorGrant>();
        if (doors.Count == 0)
        {
            return desired;
        }

        var slots = doors.Select(d => (Slot: index.DoorSlotOf(d.Key), LockId: d.Value)).ToList();
        var zone = index.Location?.TimeZone ?? TimeZoneInfo.Utc;
        foreach (var holder in index.Holders)
        {
            if (holder.Status != HolderStatus.Active)
            {
                continue;
            }

            foreach (var grant in index.GrantsOf(holder.Id))
            {
                var locks = slots.Where(s => grant.Covers(s.Slot)).Select(s => s.LockId).Distinct().Order().ToList();
                if (locks.Count == 0)
                {
                    continue;
                }

                var lockSet = string.Join(',', locks);
                DateTimeOffset? from = grant.ValidFromUtcTicks == DateTimeOffset.MinValue.UtcTicks ? null : Seconds(new DateTimeOffset(grant.ValidFromUtcTicks, TimeSpan.Zero));
                DateTimeOffset? until = grant.ValidUntilUtcTicks == DateTimeOffset.MaxValue.UtcTicks ? null : Seconds(new DateTimeOffset(grant.ValidUntilUtcTicks, TimeSpan.Zero));
                if (until is { } end && end <= now)
                {
                    continue;
                }

                if (grant.Schedule.IsAllHours)
                {
                    desired.Add(new VendorGrant(holder.Id, lockSet, from, until));
                    continue;
                }

                foreach (var (start, stop) in Occurrences(grant.Schedule, zone, now, now + horizon))
                {
                    var a = from is { } f && f > start ? f : start;
                    var b = until is { } u && u < stop ? u : stop;
                    if (b > a && b > now)
                    {
                        desired.Add(new VendorGrant(holder.Id, lockSet, a, b));
                    }
                }
            }
        }

        return desired;
    }

    /// <summary>Each window of the schedule on each local day from the day of <paramref name="from"/> to <paramref name="to"/>, in UTC.</summary>
    private static IEnumerable<(DateTimeOffset Start, DateTimeOffset End)> Occurrences(WeeklySchedule schedule, TimeZoneInfo zone, DateTimeOffset from, DateTimeOffset to)
    {
        var windows = schedule.Windows().ToList();
        var day = TimeZoneInfo.ConvertTime(from, zone).Date.AddDays(-1);
        var last = TimeZoneInfo.ConvertTime(to, zone).Date;
        for (; day <= last; day = day.AddDays(1))
        {
            foreach (var window in windows.Where(w => w.Weekday == (int)day.DayOfWeek))
            {
                yield return (Utc(day.AddMinutes(window.StartMinute), zone), Utc(day.AddMinutes(window.EndMinute), zone));
            }
        }
    }

    /// <summary>A local time as an instant; a time skipped by a DST change counts from the change.</summary>
    private static DateTimeOffset Utc(DateTime local, TimeZoneInfo zone)
    {
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(unspecified))
        {
            unspecified = unspecified.AddMinutes(15);
        }

        return Seconds(new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(unspecified, zone), TimeSpan.Zero));
    }

    /// <summary>Vendors keep whole seconds.</summary>
    private static DateTimeOffset Seconds(DateTimeOffset instant) => new(instant.UtcTicks - (instant.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
