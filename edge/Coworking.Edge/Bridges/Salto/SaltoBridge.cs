using System.Globalization;
using Coworking.Edge.Cache;
using Coworking.Edge.Decisions;
using Coworking.Edge.Outbox;
using Coworking.Proto.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Coworking.Edge.Bridges.Salto;

/// <summary>
/// The Salto KS bridge (docs/BRIDGES.md): per Salto site of the location's doors, reconciles site users and access groups
/// with the grant cache after every applied batch and every <see cref="SaltoOptions.ReconcileSeconds"/>. A grant is an
/// access group per lock set and window, carrying one time schedule for the window (Salto KS never sends a group without
/// a schedule to its locks), with those locks and the holder's site user as members. The difference is applied in a
/// fixed order: memberships and groups no longer wanted first, then new groups with their locks, new users, memberships,
/// and last the users left with nothing. Entries are read every <see cref="SaltoOptions.EventPollSeconds"/> into the
/// outbox, once per entry id.
/// </summary>
public sealed class SaltoBridge : VendorBridgeLoop<string>
{
    public const string VendorName = "salto_ks";
    internal const string UserPrefix = "coworking:";
    internal const string GroupPrefix = "coworking ";

    private static readonly DateTimeOffset Beginning = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset End = new(9999, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly SaltoOptions _options;
    private readonly SaltoTokens _tokens;
    private long _notYetProvisioned;

    public SaltoBridge(BridgeDependencies dependencies, SaltoOptions options, SaltoTokens tokens, [FromKeyedServices(VendorName)] VendorRateGate gate, ILogger<SaltoBridge> log)
        : base(VendorName, "Salto KS", "salto-entries.log", dependencies, options, gate, log)
    {
        (_options, _tokens) = (options, tokens);
    }

    /// <summary>Salto's 429s and its "not provisioned yet" answers, the quirk that slows it down.</summary>
    protected override long RateLimited => Gate.RateLimited + Interlocked.Read(ref _notYetProvisioned);

    protected override bool PollsEvents => true;

    protected override IReadOnlyCollection<string> VendorDoorIds() => SaltoDoors(Cache.Index).Keys;

    protected override string RequiredSecret => "client_id";

    /// <summary>The location's Salto KS doors, by hub door id, with their site and lock ids.</summary>
    internal static Dictionary<string, (string Site, string Lock)> SaltoDoors(CacheIndex index) =>
        index.Doors.Where(d => d.Controller == DoorController.SaltoKs && d.VendorSiteId.Length > 0 && d.VendorLockId.Length > 0)
            .ToDictionary(d => d.DoorId, d => (d.VendorSiteId, d.VendorLockId), StringComparer.Ordinal);

    internal static string WindowKey(DateTimeOffset? from, DateTimeOffset? until) =>
        $"{from?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}~{until?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The window as Salto's time schedule: its dates, every day, all day.</summary>
    internal static SaltoTimeSchedule Schedule(DateTimeOffset? from, DateTimeOffset? until) =>
        new(from ?? Beginning, until ?? End, "00:00", "24:00", true, true, true, true, true, true, true);

    protected override Task UnlockThroughVendorAsync(string doorId, CancellationToken cancellationToken)
    {
        var (site, lockId) = SaltoDoors(Cache.Index)[doorId];
        return Client()!.UnlockAsync(site, lockId, cancellationToken);
    }

    /// <summary>A one-time code from a seed that is not base32 fails the unlock, not the edge.</summary>
    protected override bool IsVendorFailure(Exception ex) => ex is FormatException || base.IsVendorFailure(ex);

    protected override Task PollEventsOnceAsync(CancellationToken cancellationToken) => RecordEntriesAsync(Client()!, SaltoDoors(Cache.Index), cancellationToken);

    private SaltoClient? Client()
    {
        if (Account is not { } account || account.Secret("client_id").Length == 0)
        {
            return null;
        }

        var apiBase = account.ApiBase.Length > 0 ? new Uri(account.ApiBase) : _options.Endpoints().ApiBase;
        return new SaltoClient(Http(), apiBase, _tokens, account, _options, Time, () => Interlocked.Increment(ref _notYetProvisioned));
    }

    protected override async Task ReconcileAsync(bool full, CancellationToken cancellationToken)
    {
        var client = Client()!;
        var doors = SaltoDoors(Cache.Index);
        var holders = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var site in doors.Values.Select(d => d.Site).Distinct().Order(StringComparer.Ordinal))
        {
            var siteDoors = doors.Where(d => d.Value.Site == site).ToDictionary(d => d.Key, d => d.Value.Lock, StringComparer.Ordinal);
            await ReconcileSiteAsync(client, site, siteDoors, holders, cancellationToken);
        }

        RememberUsers(holders.Select(p => KeyValuePair.Create(p.Value, p.Key)));
    }

    private async Task ReconcileSiteAsync(SaltoClient client, string site, Dictionary<string, string> doors, Dictionary<string, string> holders, CancellationToken cancellationToken)
    {
        var users = (await client.UsersAsync(site, cancellationToken)).Where(u => u.ExternalId?.StartsWith(UserPrefix, StringComparison.Ordinal) == true).ToList();
        var groups = new List<(SaltoAccessGroup Group, string Key, HashSet<string> Locks, HashSet<string> Users)>();
        foreach (var group in (await client.AccessGroupsAsync(site, cancellationToken)).Where(g => g.Name.StartsWith(GroupPrefix, StringComparison.Ordinal)))
        {
            groups.Add((group, group.Name[GroupPrefix.Length..],
                (await client.GroupLocksAsync(site, group.Id, cancellationToken)).Select(l => l.Id).ToHashSet(StringComparer.Ordinal),
                (await client.GroupUsersAsync(site, group.Id, cancellationToken)).Select(u => u.Id).ToHashSet(StringComparer.Ordinal)));
        }

        // The cache is read after Salto KS, so the plan follows the newest state the edge holds.
        var desired = VendorGrants.Compute(Cache.Index, doors, Time.GetUtcNow(), TimeSpan.FromDays(Math.Max(1, _options.HorizonDays)));
        var wanted = desired.GroupBy(d => $"{d.LockSet} {WindowKey(d.ValidFrom, d.ValidUntil)}", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (Grant: g.First(), Holders: g.Select(d => d.HolderId).ToHashSet(StringComparer.Ordinal)), StringComparer.Ordinal);
        var wantedHolders = desired.Select(d => d.HolderId).ToHashSet(StringComparer.Ordinal);
        var userByHolder = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var user in users)
        {
            userByHolder.TryAdd(user.ExternalId![UserPrefix.Length..], user.Id);
        }

        var holderByUser = userByHolder.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
        var kept = groups.Where(g => wanted.ContainsKey(g.Key)).GroupBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var obsoleteGroups = groups.Where(g => !kept.TryGetValue(g.Key, out var k) || k.Group.Id != g.Group.Id).Select(g => g.Group.Id).ToList();
        var obsoleteMembers = kept.Values.SelectMany(g => g.Users.Where(u => !holderByUser.TryGetValue(u, out var h) || !wanted[g.Key].Holders.Contains(h)).Select(u => (g.Group.Id, User: u))).ToList();
        var newGroups = wanted.Keys.Where(k => !kept.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var newUsers = wantedHolders.Where(h => !userByHolder.ContainsKey(h)).Order(StringComparer.Ordinal).ToList();
        var goneUsers = userByHolder.Where(p => !wantedHolders.Contains(p.Key)).Select(p => p.Value).ToList();
        var pending = obsoleteMembers.Count + obsoleteGroups.Count + newGroups.Count + newUsers.Count + goneUsers.Count
            + wanted.Sum(w => w.Value.Holders.Count(h => !(userByHolder.TryGetValue(h, out var u) && kept.TryGetValue(w.Key, out var g) && g.Users.Contains(u))));
        SetQueue(pending);

        foreach (var (groupId, user) in obsoleteMembers)
        {
            await client.RemoveUserAsync(site, groupId, user, cancellationToken);
            SetQueue(--pending);
        }

        foreach (var groupId in obsoleteGroups)
        {
            await client.DeleteAccessGroupAsync(site, groupId, cancellationToken);
            SetQueue(--pending);
        }

        var groupIds = kept.ToDictionary(k => k.Key, k => (k.Value.Group.Id, k.Value.Locks, k.Value.Users), StringComparer.Ordinal);
        foreach (var key in newGroups)
        {
            var grant = wanted[key].Grant;
            var created = await client.CreateAccessGroupAsync(site, GroupPrefix + key, Schedule(grant.ValidFrom, grant.ValidUntil), cancellationToken);
            groupIds[key] = (created.Id, new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));
            SetQueue(--pending);
        }

        foreach (var (key, group) in groupIds)
        {
            var locks = wanted[key].Grant.LockSet.Split(',').ToHashSet(StringComparer.Ordinal);
            foreach (var extra in group.Locks.Where(l => !locks.Contains(l)))
            {
                await client.RemoveLockAsync(site, group.Id, extra, cancellationToken);
            }

            foreach (var missing in locks.Where(l => !group.Locks.Contains(l)).Order(StringComparer.Ordinal))
            {
                await client.AddLockAsync(site, group.Id, missing, cancellationToken);
            }
        }

        foreach (var holder in newUsers)
        {
            userByHolder[holder] = (await client.CreateUserAsync(site, UserPrefix + holder, holder, cancellationToken)).Id;
            SetQueue(--pending);
        }

        foreach (var (key, group) in groupIds.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            foreach (var holder in wanted[key].Holders.Order(StringComparer.Ordinal).Where(h => !group.Users.Contains(userByHolder[h])))
            {
                await client.AddUserAsync(site, group.Id, userByHolder[holder], cancellationToken);
                SetQueue(--pending);
            }
        }

        foreach (var user in goneUsers)
        {
            await client.DeleteUserAsync(site, user, cancellationToken);
            SetQueue(--pending);
        }

        foreach (var (holder, user) in userByHolder.Where(p => wantedHolders.Contains(p.Key)))
        {
            holders[user] = holder;
        }

        Log.LogInformation("Salto KS site {Site}: {Desired} grants wanted, {Removed} memberships removed, {Groups} groups made, {Users} users made, {Gone} users removed",
            site, desired.Count, obsoleteMembers.Count, newGroups.Count, newUsers.Count, goneUsers.Count);
    }

    /// <summary>Each entry at one of the location's Salto KS doors becomes an access decision in the outbox, once per entry id.</summary>
    private async Task RecordEntriesAsync(SaltoClient client, Dictionary<string, (string Site, string Lock)> doors, CancellationToken cancellationToken)
    {
        var after = EventsAfter.AddMinutes(-1);
        foreach (var site in doors.Values.Select(d => d.Site).Distinct().Order(StringComparer.Ordinal))
        {
            foreach (var entry in (await client.EntriesAsync(site, after, cancellationToken)).OrderBy(e => e.Date))
            {
                if (entry.Date > EventsAfter)
                {
                    EventsAfter = entry.Date;
                }

                var doorId = doors.FirstOrDefault(d => d.Value == (site, entry.LockId)).Key;
                if (doorId is not null && await RecordAccessOnceAsync(
                        entry.Id,
                        new EdgeEvent(EdgeEventKind.AccessDecision, entry.Date.ToUniversalTime(), doorId)
                        {
                            ReaderId = $"salto_ks:{entry.LockId}",
                            Reason = entry.Success ? DecisionReason.Granted : DecisionReason.NoGrantForDoor,
                            HolderId = entry.UserId is { } user ? HolderOf(user) : null,
                            Presented = "salto_ks",
                        },
                        cancellationToken))
                {
                    Log.LogInformation("Salto KS entry {EntryId}: lock at door {DoorId} {Outcome}", entry.Id, doorId, entry.Success ? "opened" : "refused");
                }
            }
        }
    }
}
