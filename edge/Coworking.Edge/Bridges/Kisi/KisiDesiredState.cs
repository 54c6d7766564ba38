using Coworking.Edge.Cache;
using Coworking.Proto.V1;

namespace Coworking.Edge.Bridges.Kisi;

/// <summary>One role assignment the bridge wants at Kisi: the holder's user in the group of these locks, inside this window.</summary>
/// <param name="LockSet">The Kisi lock ids, sorted, comma-separated: the group's key.</param>
internal sealed record DesiredAssignment(string HolderId, string LockSet, DateTimeOffset? ValidFrom, DateTimeOffset? ValidUntil);

/// <summary>
/// What Kisi should hold, from the grant cache alone (docs/BRIDGES.md): for each active holder and each grant of theirs
/// that covers Kisi doors, a <c>group_basic</c> assignment in the group of exactly those locks with the grant's window.
/// Kisi's assignments know only a start and an end, so a grant with weekly windows becomes one dated assignment per
/// window occurrence inside the horizon, each within one local day: a span across midnight (Mon 22:00-24:00 and
/// Tue 00:00-06:00) is two assignments, split at local midnight as the hub's windows are.
/// </summary>
internal static class KisiDesiredState
{
    public static Dictionary<string, long> KisiDoors(CacheIndex index) =>
        index.Doors.Where(d => d.Controller == DoorController.Kisi && long.TryParse(d.VendorLockId, out _))
            .ToDictionary(d => d.DoorId, d => long.Parse(d.VendorLockId, System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);

    public static HashSet<DesiredAssignment> Compute(CacheIndex index, IReadOnlyDictionary<string, long> doors, DateTimeOffset now, TimeSpan horizon)
    {
        var desired = new HashSet<DesiredAssignment>();
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
                    desired.Add(new DesiredAssignment(holder.Id, lockSet, from, until));
                    continue;
                }

                foreach (var (start, stop) in Occurrences(grant.Schedule, zone, now, now + horizon))
                {
                    var a = from is { } f && f > start ? f : start;
                    var b = until is { } u && u < stop ? u : stop;
                    if (b > a && b > now)
                    {
                        desired.Add(new DesiredAssignment(holder.Id, lockSet, a, b));
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

    /// <summary>Kisi keeps whole seconds.</summary>
    private static DateTimeOffset Seconds(DateTimeOffset instant) => new(instant.UtcTicks - (instant.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
