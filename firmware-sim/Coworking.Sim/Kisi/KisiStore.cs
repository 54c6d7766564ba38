namespace Coworking.Sim.Kisi;

internal sealed record SimUser(long Id, string Name, string Email, bool Confirmed, DateTimeOffset CreatedAt);

internal sealed record SimGroup(long Id, string Name, string? Description, DateTimeOffset CreatedAt);

internal sealed record SimGroupLock(long Id, long GroupId, long LockId);

internal sealed record SimRoleAssignment(long Id, long UserId, long? GroupId, string RoleId, DateTimeOffset? ValidFrom, DateTimeOffset? ValidUntil, DateTimeOffset CreatedAt);

internal sealed record SimLock(long Id, string Name);

internal sealed record SimEvent(long Id, string Action, string ActorType, long? ActorId, string ObjectType, long ObjectId, bool Success, DateTimeOffset CreatedAt);

/// <summary>What the simulated Kisi organisation holds, Kisi's 5 requests a second per key by default.</summary>
internal sealed class KisiStore : Control.VendorStore
{
    private long _nextId = 1000;

    public KisiStore(KisiSimOptions options)
        : base(options.RequestsPerSecond)
    {
        Options = options;
        Locks = options.Locks.Select(l => new SimLock(l.Id, l.Name)).ToList();
        Webhook = options.Webhook;
    }

    public KisiSimOptions Options { get; }

    public List<SimLock> Locks { get; }

    public List<SimUser> Users { get; } = [];

    public List<SimGroup> Groups { get; } = [];

    public List<SimGroupLock> GroupLocks { get; } = [];

    public List<SimRoleAssignment> RoleAssignments { get; } = [];

    public Dictionary<long, int> Unlocks { get; } = [];

    public List<SimEvent> Events { get; } = [];

    public KisiWebhookOptions? Webhook { get; set; }

    public long NextId() => Interlocked.Increment(ref _nextId);

    /// <summary>Counts the request; false when it is over the per-second limit (any 1 s window), which is counted too.</summary>
    public bool Admit(DateTimeOffset now) => Rate.Admit(now);

    /// <summary>Whether the user may open the lock now: a group_basic assignment, valid now, in a group with the lock.</summary>
    public bool MayOpen(long userId, long lockId, DateTimeOffset now)
    {
        lock (Sync)
        {
            var groups = GroupLocks.Where(g => g.LockId == lockId).Select(g => g.GroupId).ToHashSet();
            return RoleAssignments.Any(r => r.UserId == userId && r.RoleId == "group_basic" && r.GroupId is { } g && groups.Contains(g)
                && (r.ValidFrom is null || r.ValidFrom <= now) && (r.ValidUntil is null || now < r.ValidUntil));
        }
    }
}
