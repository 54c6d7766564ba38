using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Coworking.Edge.Bridges.Kisi;

/// <summary>
/// The Kisi bridge (docs/BRIDGES.md): desired assignments from <see cref="KisiDesiredState"/>, actual ones from Kisi, the
/// difference applied in a fixed order (revocations first, then users, groups, new assignments, and users left with
/// nothing). A full reconcile lists Kisi's users, groups, group locks and assignments; a nudged one works from what the
/// bridge last listed and wrote since (<see cref="KisiHoldings"/>), so a suspension costs Kisi the two deletes and no list.
/// While Kisi is away the plan is worked out again from the newest cache when it is back, so what Kisi ends with is
/// exactly the cache's state, nothing extra.
/// </summary>
public sealed class KisiBridge(
    BridgeDependencies dependencies, KisiOptions options, [FromKeyedServices(KisiBridge.VendorName)] VendorRateGate gate, ILogger<KisiBridge> log)
    : VendorBridgeLoop<long>(VendorName, "Kisi", "kisi-events.log", dependencies, options, gate, log)
{
    public const string VendorName = "kisi";
    internal const string UserEmailDomain = "@holders.coworking.invalid";
    internal const string GroupPrefix = "coworking doors ";


    // What Kisi held after the last reconcile, kept up to date by every write since; null: list it again.
    private KisiHoldings? _holdings;

    protected override IReadOnlyCollection<string> VendorDoorIds() => KisiDesiredState.KisiDoors(Cache.Index).Keys;

    protected override string RequiredSecret => "api_key";

    protected override Task UnlockThroughVendorAsync(string doorId, CancellationToken cancellationToken) =>
        Client()!.UnlockAsync(KisiDesiredState.KisiDoors(Cache.Index)[doorId], cancellationToken);

    private KisiClient? Client()
    {
        if (Account is not { } account || account.Secret("api_key").Length == 0)
        {
            return null;
        }

        var apiBase = new Uri(account.ApiBase.Length > 0 ? account.ApiBase : options.DefaultApiBase);
        return new KisiClient(Http(), apiBase, account.Secret("api_key"));
    }

    protected override async Task ReconcileAsync(bool full, CancellationToken cancellationToken)
    {
        var client = Client()!;
        var doors = KisiDesiredState.KisiDoors(Cache.Index);
        var holdings = full || _holdings is null ? null : _holdings;
        _holdings = null;
        holdings ??= await KisiHoldings.ReadAsync(client, cancellationToken);

        // The cache is read after Kisi, so the plan follows the newest state the edge holds.
        var desired = KisiDesiredState.Compute(Cache.Index, doors, Time.GetUtcNow(), TimeSpan.FromDays(Math.Max(1, options.HorizonDays)));
        var userByHolder = holdings.UserByHolder;
        var groupBySet = holdings.GroupBySet;
        RememberUsers(userByHolder);
        var holderByUser = userByHolder.ToDictionary(p => p.Value, p => p.Key);
        var setByGroup = groupBySet.ToDictionary(p => p.Value, p => p.Key);
        var kept = new HashSet<DesiredAssignment>();
        var obsolete = new List<KisiRoleAssignment>();
        foreach (var assignment in holdings.Assignments)
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
        var goneUsers = userByHolder.Where(p => !wantedHolders.Contains(p.Key)).ToList();
        var pending = obsolete.Count + newUsers.Count + newGroups.Count + missing.Count + goneUsers.Count;
        SetQueue(pending);

        foreach (var assignment in obsolete)
        {
            await client.UnassignAsync(assignment.Id, cancellationToken);
            holdings.Assignments.Remove(assignment);
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
            groupBySet[set] = group.Id;
            SetQueue(--pending);
        }

        foreach (var (set, groupId) in groupBySet.Where(g => desired.Any(d => d.LockSet == g.Key)).ToList())
        {
            foreach (var lockId in set.Split(',').Select(long.Parse).Where(l => !holdings.GroupLocks.Contains((groupId, l))))
            {
                await client.AddGroupLockAsync(groupId, lockId, cancellationToken);
                holdings.GroupLocks.Add((groupId, lockId));
            }
        }

        foreach (var assignment in missing)
        {
            holdings.Assignments.Add(await client.AssignAsync(userByHolder[assignment.HolderId], groupBySet[assignment.LockSet], assignment.ValidFrom, assignment.ValidUntil, cancellationToken));
            SetQueue(--pending);
        }

        foreach (var (holder, userId) in goneUsers)
        {
            await client.DeleteUserAsync(userId, cancellationToken);
            userByHolder.Remove(holder);
            holdings.Assignments.RemoveAll(a => a.UserId == userId);
            SetQueue(--pending);
        }

        RememberUsers(userByHolder);
        _holdings = holdings;
        Log.LogInformation("Kisi: {Desired} assignments wanted, {Removed} removed, {Added} added, {Users} users made, {Gone} users removed",
            desired.Count, obsolete.Count, missing.Count, newUsers.Count, goneUsers.Count);
    }
}

/// <summary>What Kisi holds of the bridge's own: its users by holder, its groups by lock set, their locks and the assignments.</summary>
internal sealed class KisiHoldings
{
    public Dictionary<string, long> UserByHolder { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> GroupBySet { get; } = new(StringComparer.Ordinal);

    public HashSet<(long GroupId, long LockId)> GroupLocks { get; } = [];

    public List<KisiRoleAssignment> Assignments { get; } = [];

    /// <summary>Everything listed from Kisi: the bridge's users and groups, every group lock and every role assignment.</summary>
    public static async Task<KisiHoldings> ReadAsync(KisiClient client, CancellationToken cancellationToken)
    {
        var holdings = new KisiHoldings();
        foreach (var user in (await client.UsersAsync(cancellationToken)).Where(u => u.Email.EndsWith(KisiBridge.UserEmailDomain, StringComparison.Ordinal)))
        {
            holdings.UserByHolder.TryAdd(user.Email[..^KisiBridge.UserEmailDomain.Length], user.Id);
        }

        foreach (var group in (await client.GroupsAsync(cancellationToken)).Where(g => g.Name.StartsWith(KisiBridge.GroupPrefix, StringComparison.Ordinal)))
        {
            holdings.GroupBySet.TryAdd(group.Name[KisiBridge.GroupPrefix.Length..], group.Id);
        }

        holdings.GroupLocks.UnionWith((await client.GroupLocksAsync(cancellationToken)).Select(g => (g.GroupId, g.LockId)));
        holdings.Assignments.AddRange(await client.RoleAssignmentsAsync(cancellationToken));
        return holdings;
    }
}
