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
/// outbox, once per entry id. A full reconcile (on the timer, after a failure) lists everything of the bridge's at each site;
/// a nudged one starts from what the last left (<see cref="SaltoHoldings"/>) and reads again only the holders whose access
/// changed, with OData's <c>$filter</c>, so a suspension does not wait behind listing every site user.
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

    // What each site held after the last reconcile, kept up to date by every write since; null: list every site again.
    private Dictionary<string, SaltoHoldings>? _holdings;

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
        var previous = full ? null : _holdings;
        _holdings = null;
        var held = new Dictionary<string, SaltoHoldings>(StringComparer.Ordinal);
        var holders = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var site in doors.Values.Select(d => d.Site).Distinct().Order(StringComparer.Ordinal))
        {
            var siteDoors = doors.Where(d => d.Value.Site == site).ToDictionary(d => d.Key, d => d.Value.Lock, StringComparer.Ordinal);
            held[site] = await ReconcileSiteAsync(client, site, siteDoors, previous?.GetValueOrDefault(site), holders, cancellationToken);
        }

        RememberUsers(holders.Select(p => KeyValuePair.Create(p.Value, p.Key)));
        _holdings = held;
    }

    /// <param name="previous">What the last reconcile left at the site: only the holders whose access changed are read again; null: list the site.</param>
    private async Task<SaltoHoldings> ReconcileSiteAsync(
        SaltoClient client, string site, Dictionary<string, string> doors, SaltoHoldings? previous, Dictionary<string, string> holders, CancellationToken cancellationToken)
    {
        var holdings = previous ?? await SaltoHoldings.ReadAsync(client, site, cancellationToken);

        // The cache is read after Salto KS, so the plan follows the newest state the edge holds.
        var desired = VendorGrants.Compute(Cache.Index, doors, Time.GetUtcNow(), TimeSpan.FromDays(Math.Max(1, _options.HorizonDays)));
        var wanted = desired.GroupBy(d => $"{d.LockSet} {WindowKey(d.ValidFrom, d.ValidUntil)}", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (Grant: g.First(), Holders: g.Select(d => d.HolderId).ToHashSet(StringComparer.Ordinal)), StringComparer.Ordinal);
        if (previous is not null)
        {
            var keysByHolder = holdings.GroupKeysByHolder();
            var wantedKeys = wanted.SelectMany(w => w.Value.Holders.Select(h => (Holder: h, w.Key))).GroupBy(p => p.Holder, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(p => p.Key).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
            var affected = keysByHolder.Keys.Union(wantedKeys.Keys, StringComparer.Ordinal)
                .Where(h => !keysByHolder.TryGetValue(h, out var has) || !wantedKeys.TryGetValue(h, out var wants) || !has.SetEquals(wants)).Order(StringComparer.Ordinal).ToList();
            await holdings.RereadAsync(client, site, affected, affected.SelectMany(h => wantedKeys.GetValueOrDefault(h) ?? []).ToHashSet(StringComparer.Ordinal), cancellationToken);
        }

        var wantedHolders = desired.Select(d => d.HolderId).ToHashSet(StringComparer.Ordinal);
        var userByHolder = holdings.UserByHolder;
        var holderByUser = userByHolder.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
        var kept = holdings.Groups.Where(g => wanted.ContainsKey(g.Key)).GroupBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var obsoleteGroups = holdings.Groups.Where(g => !kept.TryGetValue(g.Key, out var k) || k != g).ToList();
        var obsoleteMembers = kept.Values.SelectMany(g => g.Users.Where(u => !holderByUser.TryGetValue(u, out var h) || !wanted[g.Key].Holders.Contains(h)).Select(u => (Group: g, User: u))).ToList();
        var newGroups = wanted.Keys.Where(k => !kept.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var newUsers = wantedHolders.Where(h => !userByHolder.ContainsKey(h)).Order(StringComparer.Ordinal).ToList();
        var goneUsers = userByHolder.Where(p => !wantedHolders.Contains(p.Key)).ToList();
        var pending = obsoleteMembers.Count + obsoleteGroups.Count + newGroups.Count + newUsers.Count + goneUsers.Count
            + wanted.Sum(w => w.Value.Holders.Count(h => !(userByHolder.TryGetValue(h, out var u) && kept.TryGetValue(w.Key, out var g) && g.Users.Contains(u))));
        SetQueue(pending);

        foreach (var (group, user) in obsoleteMembers)
        {
            await client.RemoveUserAsync(site, group.Group.Id, user, cancellationToken);
            group.Users.Remove(user);
            SetQueue(--pending);
        }

        foreach (var group in obsoleteGroups)
        {
            await client.DeleteAccessGroupAsync(site, group.Group.Id, cancellationToken);
            holdings.Groups.Remove(group);
            SetQueue(--pending);
        }

        foreach (var key in newGroups)
        {
            var grant = wanted[key].Grant;
            var created = await client.CreateAccessGroupAsync(site, GroupPrefix + key, Schedule(grant.ValidFrom, grant.ValidUntil), cancellationToken);
            kept[key] = new SaltoHeldGroup(created, key, new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));
            holdings.Groups.Add(kept[key]);
            SetQueue(--pending);
        }

        foreach (var group in kept.Values)
        {
            var locks = wanted[group.Key].Grant.LockSet.Split(',').ToHashSet(StringComparer.Ordinal);
            foreach (var extra in group.Locks.Where(l => !locks.Contains(l)).ToList())
            {
                await client.RemoveLockAsync(site, group.Group.Id, extra, cancellationToken);
                group.Locks.Remove(extra);
            }

            foreach (var missing in locks.Where(l => !group.Locks.Contains(l)).Order(StringComparer.Ordinal).ToList())
            {
                await client.AddLockAsync(site, group.Group.Id, missing, cancellationToken);
                group.Locks.Add(missing);
            }
        }

        foreach (var holder in newUsers)
        {
            userByHolder[holder] = (await client.CreateUserAsync(site, UserPrefix + holder, holder, cancellationToken)).Id;
            SetQueue(--pending);
        }

        foreach (var group in kept.Values.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            foreach (var holder in wanted[group.Key].Holders.Order(StringComparer.Ordinal).Where(h => !group.Users.Contains(userByHolder[h])).ToList())
            {
                await client.AddUserAsync(site, group.Group.Id, userByHolder[holder], cancellationToken);
                group.Users.Add(userByHolder[holder]);
                SetQueue(--pending);
            }
        }

        foreach (var (holder, user) in goneUsers)
        {
            await client.DeleteUserAsync(site, user, cancellationToken);
            userByHolder.Remove(holder);
            holdings.Groups.ForEach(g => g.Users.Remove(user));
            SetQueue(--pending);
        }

        foreach (var (holder, user) in userByHolder)
        {
            holders[user] = holder;
        }

        Log.LogInformation("Salto KS site {Site}: {Desired} grants wanted, {Removed} memberships removed, {Groups} groups made, {Users} users made, {Gone} users removed",
            site, desired.Count, obsoleteMembers.Count, newGroups.Count, newUsers.Count, goneUsers.Count);
        return holdings;
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
