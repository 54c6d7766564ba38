using Coworking.Edge.Cache;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coworking.Edge.Bridges.Kisi;

/// <summary>
/// The Kisi bridge (docs/BRIDGES.md): reconciles Kisi with the grant cache after every applied batch and every
/// <see cref="KisiOptions.ReconcileSeconds"/> — desired assignments from <see cref="KisiDesiredState"/>, actual ones read from
/// Kisi, then the difference applied in a fixed order (revocations first, then users, groups, new assignments, and users
/// left with nothing). While Kisi is away the plan waits and is worked out again from the newest cache when it is back,
/// so what Kisi ends with is exactly the cache's state, nothing extra.
/// </summary>
public sealed class KisiBridge(
    GrantCache cache,
    VendorAccountStore accounts,
    KisiOptions options,
    IHttpClientFactory httpClients,
    KisiRateGate gate,
    TimeProvider time,
    ILogger<KisiBridge> log)
    : BackgroundService, IVendorBridge
{
    public const string VendorName = "kisi";
    public const string HttpClientName = "kisi";
    internal const string UserEmailDomain = "@holders.coworking.invalid";
    internal const string GroupPrefix = "coworking doors ";

    private readonly SemaphoreSlim _nudged = new(0, 1);
    private readonly Lock _sync = new();
    private DateTimeOffset? _lastReconcileAt;
    private int _queueDepth;

    // Applied batches since the last reconcile that completed: what waits while Kisi cannot even be read.
    private int _changesWaiting;
    private string? _lastError;
    private string _state = "not_configured";
    private volatile IReadOnlyDictionary<long, string> _holdersByUser = new Dictionary<long, string>();

    public string Vendor => VendorName;

    public BridgeStatus Status
    {
        get
        {
            lock (_sync)
            {
                return new BridgeStatus(VendorName, _state, DoorIds.Count, _lastReconcileAt, Math.Max(_queueDepth, _changesWaiting), _lastError, gate.Calls, gate.RateLimited);
            }
        }
    }

    public IReadOnlyCollection<string> DoorIds => accounts.Get(VendorName) is null ? [] : KisiDesiredState.KisiDoors(cache.Index).Keys;

    /// <summary>The holder a Kisi user stands for, as the last reconcile saw the users.</summary>
    internal string? HolderOf(long userId) => _holdersByUser.TryGetValue(userId, out var holder) ? holder : null;

    public void Nudge()
    {
        Interlocked.Increment(ref _changesWaiting);
        if (_nudged.CurrentCount == 0)
        {
            try
            {
                _nudged.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another nudge got there first: one reconcile covers both.
            }
        }
    }

    public async Task<bool> UnlockAsync(string doorId, TimeSpan duration, CancellationToken cancellationToken)
    {
        if (Client() is not { } client || !KisiDesiredState.KisiDoors(cache.Index).TryGetValue(doorId, out var lockId))
        {
            return false;
        }

        try
        {
            await client.UnlockAsync(lockId, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is KisiException or HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException)
        {
            log.LogWarning("Kisi did not unlock lock {LockId} of door {DoorId}: {Error}", lockId, doorId, ex.Message);
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        accounts.Changed += (_, vendors) =>
        {
            if (vendors.Contains(VendorName))
            {
                Nudge();
            }
        };
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = TimeSpan.FromSeconds(Math.Max(1, options.ReconcileSeconds));
            try
            {
                await ReconcileAsync(stoppingToken);
                failures = 0;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                failures++;
                SetError(ex is KisiException or HttpRequestException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}");
                log.LogWarning("Kisi reconcile failed ({Failures} in a row): {Error}", failures, ex.Message);
                wait = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(60_000, 1000 * Math.Pow(2, Math.Min(failures, 6))) + 500);
            }

            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            await Task.WhenAny(Task.Delay(wait, time, waiting.Token), _nudged.WaitAsync(waiting.Token));
            await waiting.CancelAsync();
        }
    }

    private KisiClient? Client()
    {
        if (accounts.Get(VendorName) is not { } account || account.Secret("api_key").Length == 0)
        {
            return null;
        }

        var apiBase = new Uri(account.ApiBase.Length > 0 ? account.ApiBase : options.DefaultApiBase);
        return new KisiClient(httpClients.CreateClient(HttpClientName), apiBase, account.Secret("api_key"));
    }

    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var doors = KisiDesiredState.KisiDoors(cache.Index);
        if (Client() is not { } client || doors.Count == 0)
        {
            lock (_sync)
            {
                (_state, _queueDepth, _lastError, _changesWaiting) = ("not_configured", 0, null, 0);
            }

            return;
        }

        SetState("reconciling");
        var waitingAtStart = Volatile.Read(ref _changesWaiting);
        var started = time.GetTimestamp();
        var users = (await client.UsersAsync(cancellationToken)).Where(u => u.Email.EndsWith(UserEmailDomain, StringComparison.Ordinal)).ToList();
        var groups = (await client.GroupsAsync(cancellationToken)).Where(g => g.Name.StartsWith(GroupPrefix, StringComparison.Ordinal)).ToList();
        var groupLocks = await client.GroupLocksAsync(cancellationToken);
        var assignments = await client.RoleAssignmentsAsync(cancellationToken);

        // The cache is read after Kisi, so the plan follows the newest state the edge holds.
        var now = time.GetUtcNow();
        var desired = KisiDesiredState.Compute(cache.Index, doors, now, TimeSpan.FromDays(Math.Max(1, options.HorizonDays)));
        var userByHolder = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var user in users)
        {
            userByHolder.TryAdd(user.Email[..^UserEmailDomain.Length], user.Id);
        }

        _holdersByUser = userByHolder.ToDictionary(p => p.Value, p => p.Key);
        var groupBySet = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            groupBySet.TryAdd(group.Name[GroupPrefix.Length..], group.Id);
        }

        var holderByUser = userByHolder.ToDictionary(p => p.Value, p => p.Key);
        var setByGroup = groupBySet.ToDictionary(p => p.Value, p => p.Key);
        var kept = new HashSet<DesiredAssignment>();
        var obsolete = new List<KisiRoleAssignment>();
        foreach (var assignment in assignments)
        {
            if (!holderByUser.TryGetValue(assignment.UserId, out var holder) || assignment.GroupId is not { } groupId || !setByGroup.TryGetValue(groupId, out var set))
            {
                continue;
            }

            var actual = new DesiredAssignment(holder, set, assignment.ValidFrom?.ToUniversalTime(), assignment.ValidUntil?.ToUniversalTime());
            if (assignment.RoleId == "group_basic" && desired.Contains(actual) && kept.Add(actual))
            {
                continue;
            }

            obsolete.Add(assignment);
        }

        var missing = desired.Where(d => !kept.Contains(d)).OrderBy(d => d.HolderId, StringComparer.Ordinal).ThenBy(d => d.ValidFrom).ToList();
        var newUsers = missing.Select(d => d.HolderId).Distinct().Where(h => !userByHolder.ContainsKey(h)).ToList();
        var newGroups = missing.Select(d => d.LockSet).Distinct().Where(s => !groupBySet.ContainsKey(s)).ToList();
        var wantedHolders = desired.Select(d => d.HolderId).ToHashSet(StringComparer.Ordinal);
        var goneUsers = userByHolder.Where(p => !wantedHolders.Contains(p.Key)).Select(p => p.Value).ToList();
        var pending = obsolete.Count + newUsers.Count + newGroups.Count + missing.Count + goneUsers.Count;
        SetQueue(pending);

        foreach (var assignment in obsolete)
        {
            await client.UnassignAsync(assignment.Id, cancellationToken);
            SetQueue(--pending);
        }

        foreach (var holder in newUsers)
        {
            var user = await client.CreateUserAsync($"coworking holder {holder}", holder + UserEmailDomain, cancellationToken);
            userByHolder[holder] = user.Id;
            SetQueue(--pending);
        }

        foreach (var set in newGroups)
        {
            var group = await client.CreateGroupAsync(GroupPrefix + set, "Kept in step by coworking-edge; do not edit", cancellationToken);
            foreach (var lockId in set.Split(',').Select(long.Parse))
            {
                await client.AddGroupLockAsync(group.Id, lockId, cancellationToken);
            }

            groupBySet[set] = group.Id;
            SetQueue(--pending);
        }

        var lockedGroups = groupLocks.Select(g => (g.GroupId, g.LockId)).ToHashSet();
        foreach (var (set, groupId) in groupBySet.Where(g => desired.Any(d => d.LockSet == g.Key)))
        {
            foreach (var lockId in set.Split(',').Select(long.Parse).Where(l => !lockedGroups.Contains((groupId, l)) && !newGroups.Contains(set)))
            {
                await client.AddGroupLockAsync(groupId, lockId, cancellationToken);
            }
        }

        foreach (var assignment in missing)
        {
            await client.AssignAsync(userByHolder[assignment.HolderId], groupBySet[assignment.LockSet], assignment.ValidFrom, assignment.ValidUntil, cancellationToken);
            SetQueue(--pending);
        }

        foreach (var userId in goneUsers)
        {
            await client.DeleteUserAsync(userId, cancellationToken);
            SetQueue(--pending);
        }

        _holdersByUser = userByHolder.ToDictionary(p => p.Value, p => p.Key);
        lock (_sync)
        {
            (_state, _lastReconcileAt, _queueDepth, _lastError) = ("in_step", time.GetUtcNow(), 0, null);
        }

        Interlocked.Add(ref _changesWaiting, -waitingAtStart);
        log.LogInformation("Kisi reconciled in {Elapsed} ms: {Desired} assignments wanted, {Removed} removed, {Added} added, {Users} users made, {Gone} users removed",
            (int)time.GetElapsedTime(started).TotalMilliseconds, desired.Count, obsolete.Count, missing.Count, newUsers.Count, goneUsers.Count);
    }

    private void SetState(string state)
    {
        lock (_sync)
        {
            _state = state;
        }
    }

    private void SetQueue(int depth)
    {
        lock (_sync)
        {
            _queueDepth = depth;
        }
    }

    private void SetError(string error)
    {
        lock (_sync)
        {
            (_state, _lastError) = ("failing", error);
        }
    }

    public override void Dispose()
    {
        _nudged.Dispose();
        base.Dispose();
    }
}
