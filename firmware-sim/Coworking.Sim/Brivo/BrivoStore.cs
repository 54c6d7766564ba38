namespace Coworking.Sim.Brivo;

internal sealed record BrivoUser(long Id, string FirstName, string LastName, string? ExternalId, bool Suspended, DateTimeOffset Created);

internal sealed record BrivoGroup(long Id, string Name, DateTimeOffset Created);

/// <summary>A weekly block of a schedule, in the site's time (the sim's sites keep UTC): <c>dayOfWeek</c> 0 is Sunday.</summary>
internal sealed record BrivoScheduleBlock(int DayOfWeek, string StartTime, string EndTime);

/// <summary>A dated exception of a schedule; an enabling one opens the schedule from <c>start</c> to <c>end</c>.</summary>
internal sealed record BrivoScheduleException(DateTimeOffset Start, DateTimeOffset End, bool Enabling);

internal sealed record BrivoSchedule(long Id, string Name, long? SiteId, IReadOnlyList<BrivoScheduleBlock> ScheduleBlocks, IReadOnlyList<BrivoScheduleException> ExceptionBlocks)
{
    public bool IsOpen(DateTimeOffset now)
    {
        if (ExceptionBlocks.Any(e => !e.Enabling && e.Start <= now && now < e.End))
        {
            return false;
        }

        var minute = (now.UtcDateTime.Hour * 60) + now.UtcDateTime.Minute;
        return ExceptionBlocks.Any(e => e.Enabling && e.Start <= now && now < e.End)
            || ScheduleBlocks.Any(b => b.DayOfWeek == (int)now.UtcDateTime.DayOfWeek && Minutes(b.StartTime) <= minute && minute < Minutes(b.EndTime));
    }

    public static int Minutes(string time) =>
        time.Split(':') is [var h, var m] && int.TryParse(h, out var hours) && int.TryParse(m, out var minutes) ? (hours * 60) + minutes : -1;
}

internal sealed record BrivoCredentialFormat(long Id, string Name);

internal sealed record BrivoCredential(long Id, string ReferenceId, BrivoCredentialFormat CredentialFormat, long? UserId, DateTimeOffset? EffectiveFrom, DateTimeOffset? Expires);

internal sealed record BrivoAccessPoint(long Id, long SiteId, string Name);

/// <summary>A group's permission on an access point, under a schedule.</summary>
internal sealed record BrivoPermission(long GroupId, long AccessPointId, long ScheduleId);

internal sealed record BrivoActor(long Id, string Name);

internal sealed record BrivoEventObject(long Id, string Name, string DeviceTypeName);

internal sealed record BrivoSecurityAction(int SecurityActionId, string Action);

internal sealed record BrivoEventData(bool ActionAllowed, long? CredentialId);

/// <summary>An access event as /events/access lists it, and as event subscriptions would post it.</summary>
internal sealed record BrivoAccessEvent(
    string Uuid, DateTimeOffset Occurred, long SiteId, BrivoActor? Actor, BrivoEventObject EventObject, BrivoSecurityAction SecurityAction, BrivoEventData EventData);

internal sealed record BrivoToken(string AccessToken, string RefreshToken, DateTimeOffset Expires);

/// <summary>What the simulated Brivo account holds, one lock around it all (the sim's load is a test's).</summary>
internal sealed class BrivoStore(BrivoSimOptions options) : Control.VendorStore(options.RequestsPerSecond)
{
    private long _nextId = 5000;

    public BrivoSimOptions Options { get; } = options;

    public List<BrivoAccessPoint> AccessPoints { get; } = [.. options.AccessPoints.Select(a => new BrivoAccessPoint(a.Id, a.SiteId, a.Name))];

    public List<BrivoUser> Users { get; } =
        [.. Enumerable.Range(1, options.OtherUsers).Select(n => new BrivoUser(1_000_000 + n, "Tenant", $"User {n}", $"tenant:{n}", false, DateTimeOffset.UnixEpoch))];

    /// <summary>Lists of <c>/users</c> without a filter: what a bridge pays for reading every user of the account.</summary>
    public long UnfilteredUserLists { get; set; }

    public List<BrivoGroup> Groups { get; } = [];

    /// <summary>Group id → its members' user ids.</summary>
    public Dictionary<long, HashSet<long>> Members { get; } = [];

    public List<BrivoSchedule> Schedules { get; } = [];

    public List<BrivoCredential> Credentials { get; } = [];

    public List<BrivoPermission> Permissions { get; } = [];

    public List<BrivoAccessEvent> Events { get; } = [];

    public Dictionary<long, int> Unlocks { get; } = [];

    public List<BrivoToken> Tokens { get; } = [];

    public long TokensIssued { get; set; }

    /// <summary>Calls refused because their token had expired or was unknown.</summary>
    public long InvalidTokens { get; set; }

    public long NextId() => Interlocked.Increment(ref _nextId);

    /// <summary>Whether the user may pass the access point now: not suspended, a credential in effect, a group permitted there under a schedule open now.</summary>
    public bool MayOpen(long userId, long accessPointId, DateTimeOffset now)
    {
        lock (Sync)
        {
            if (Users.FirstOrDefault(u => u.Id == userId) is not { Suspended: false })
            {
                return false;
            }

            if (!Credentials.Any(c => c.UserId == userId && (c.EffectiveFrom is null || c.EffectiveFrom <= now) && (c.Expires is null || now < c.Expires)))
            {
                return false;
            }

            return Permissions.Any(p => p.AccessPointId == accessPointId && Members.TryGetValue(p.GroupId, out var members) && members.Contains(userId)
                && Schedules.FirstOrDefault(s => s.Id == p.ScheduleId) is { } schedule && schedule.IsOpen(now));
        }
    }
}
