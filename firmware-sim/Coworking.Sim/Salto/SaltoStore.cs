using System.Text.Json.Serialization;

namespace Coworking.Sim.Salto;

internal sealed record SaltoUser(string Id, string SiteId, string FirstName, string LastName, string? ExternalId, [property: JsonIgnore] DateTimeOffset VisibleAt);

/// <summary>A time schedule of an access group: the dated period, the daily hours (site time; the sim's sites keep UTC) and the weekdays.</summary>
internal sealed record SaltoTimeSchedule(
    DateTimeOffset StartDate, DateTimeOffset EndDate, string StartTime, string EndTime,
    bool Monday, bool Tuesday, bool Wednesday, bool Thursday, bool Friday, bool Saturday, bool Sunday)
{
    public bool IsOpen(DateTimeOffset now)
    {
        var day = now.UtcDateTime.DayOfWeek switch
        {
            DayOfWeek.Monday => Monday, DayOfWeek.Tuesday => Tuesday, DayOfWeek.Wednesday => Wednesday, DayOfWeek.Thursday => Thursday,
            DayOfWeek.Friday => Friday, DayOfWeek.Saturday => Saturday, _ => Sunday,
        };
        var minute = now.UtcDateTime.TimeOfDay.TotalMinutes;
        return day && StartDate <= now && now < EndDate && Minutes(StartTime) <= minute && minute < Minutes(EndTime);
    }

    public static int Minutes(string time) =>
        time.Split(':') is [var h, var m] && int.TryParse(h, out var hours) && int.TryParse(m, out var minutes) ? (hours * 60) + minutes : -1;
}

internal sealed record SaltoAccessGroup(string Id, string SiteId, string Name, IReadOnlyList<SaltoTimeSchedule> TimeSchedules, [property: JsonIgnore] DateTimeOffset VisibleAt);

internal sealed record SaltoLock(string Id, string SiteId, string Name);

/// <summary>A lock or user of an access group, visible from <see cref="VisibleAt"/>.</summary>
internal sealed record SaltoLink(string AccessGroupId, string ItemId, [property: JsonIgnore] DateTimeOffset VisibleAt);

internal sealed record SaltoEntry(string Id, string SiteId, string LockId, string? UserId, DateTimeOffset Date, bool Success);

/// <summary>What the simulated Salto KS tenant holds, one lock around it all.</summary>
internal sealed class SaltoStore(SaltoSimOptions options) : Control.VendorStore(options.RequestsPerSecond)
{
    public SaltoSimOptions Options { get; } = options;

    public List<SaltoLock> Locks { get; } = [.. options.Sites.SelectMany(s => s.Locks.Select(l => new SaltoLock(l.Id, s.Id, l.Name)))];

    public List<SaltoUser> Users { get; } =
        [.. options.Sites.SelectMany(s => Enumerable.Range(1, options.OtherUsers).Select(n => new SaltoUser($"tenant-{s.Id}-{n}", s.Id, "Tenant", $"User {n}", $"tenant:{n}", DateTimeOffset.MinValue)))];

    /// <summary>Lists of a site's users without a <c>$filter</c>: what a bridge pays for reading every user of the site.</summary>
    public long UnfilteredUserLists { get; set; }

    public List<SaltoAccessGroup> AccessGroups { get; } = [];

    public List<SaltoLink> GroupLocks { get; } = [];

    public List<SaltoLink> GroupUsers { get; } = [];

    public List<SaltoEntry> Entries { get; } = [];

    public List<string> Tokens { get; } = [];

    public Dictionary<string, int> Openings { get; } = [];

    /// <summary>Answers 403 2203 / 404 2202 given while something was not yet provisioned.</summary>
    public long NotYetProvisioned { get; set; }

    public DateTimeOffset VisibleFrom(DateTimeOffset now) => now.AddMilliseconds(Options.ProvisioningDelayMs);

    /// <summary>Whether the user may open the lock now: in an access group with the lock and a time schedule open now (a group without one never reaches the lock).</summary>
    public bool MayOpen(string userId, string lockId, DateTimeOffset now)
    {
        lock (Sync)
        {
            var groups = GroupUsers.Where(g => g.ItemId == userId && g.VisibleAt <= now).Select(g => g.AccessGroupId).ToHashSet(StringComparer.Ordinal);
            return AccessGroups.Any(g => groups.Contains(g.Id) && g.VisibleAt <= now && g.TimeSchedules.Any(t => t.IsOpen(now))
                && GroupLocks.Any(l => l.AccessGroupId == g.Id && l.ItemId == lockId && l.VisibleAt <= now));
        }
    }
}
