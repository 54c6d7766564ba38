using Coworking.Edge.Decisions;
using Coworking.Edge.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Coworking.Edge.Bridges.Brivo;

/// <summary>
/// The Brivo bridge (docs/BRIDGES.md): reconciles Brivo with the grant cache after every applied batch and every
/// <see cref="BrivoOptions.ReconcileSeconds"/> — the wanted users, credentials, schedules, groups, permissions and
/// memberships (<see cref="BrivoDesiredState"/>) against what Brivo holds, then the difference in a fixed order:
/// memberships and groups no longer wanted first (a revocation never waits behind new grants), then schedules, groups and
/// permissions, users with their credentials, memberships, and last the users and schedules left with nothing. Brivo's
/// access events are read from <c>/events/access</c> every <see cref="BrivoOptions.EventPollSeconds"/> into the outbox,
/// once per event uuid. A full reconcile (on the timer, after a failure) lists everything of the bridge's at Brivo; a nudged
/// one starts from what the last left (<see cref="BrivoHoldings"/>) and reads again only the holders whose access changed,
/// with Brivo's <c>filter=externalId__eq:…</c>, so a suspension does not wait behind listing every user of the account.
/// </summary>
public sealed class BrivoBridge : VendorBridgeLoop<long>
{
    public const string VendorName = "brivo";

    private readonly BrivoOptions _options;
    private readonly BrivoTokens _tokens;

    // What Brivo held after the last reconcile, kept up to date by every write since; null: list it all again.
    private BrivoHoldings? _holdings;

    public BrivoBridge(BridgeDependencies dependencies, BrivoOptions options, BrivoTokens tokens, [FromKeyedServices(VendorName)] VendorRateGate gate, ILogger<BrivoBridge> log)
        : base(VendorName, "Brivo", "brivo-events.log", dependencies, options, gate, log)
    {
        (_options, _tokens) = (options, tokens);
    }

    protected override bool PollsEvents => true;

    protected override IReadOnlyCollection<string> VendorDoorIds() => BrivoDesiredState.BrivoDoors(Cache.Index).Keys;

    protected override string RequiredSecret => "api_key";

    protected override Task UnlockThroughVendorAsync(string doorId, CancellationToken cancellationToken) =>
        Client()!.UnlockAsync(BrivoDesiredState.BrivoDoors(Cache.Index)[doorId], cancellationToken);

    protected override Task PollEventsOnceAsync(CancellationToken cancellationToken) =>
        RecordEventsAsync(Client()!, BrivoDesiredState.BrivoDoors(Cache.Index), cancellationToken);

    private BrivoClient? Client()
    {
        if (Account is not { } account || account.Secret("api_key").Length == 0)
        {
            return null;
        }

        // A simulator's account names one base for both: the token endpoint at <base>/oauth/token, the API at <base>/v1/api.
        var (apiBase, tokenUrl) = account.ApiBase.Length > 0
            ? (new Uri(account.ApiBase.TrimEnd('/') + "/v1/api"), new Uri(account.ApiBase.TrimEnd('/') + "/oauth/token"))
            : (new Uri(_options.DefaultApiBase), new Uri(_options.DefaultTokenUrl));
        return new BrivoClient(Http(), apiBase, tokenUrl, account, _tokens);
    }

    protected override async Task ReconcileAsync(bool full, CancellationToken cancellationToken)
    {
        var client = Client()!;
        var doors = BrivoDesiredState.BrivoDoors(Cache.Index);
        var previous = full ? null : _holdings;
        _holdings = null;
        var holdings = previous ?? await BrivoHoldings.ReadAsync(client, cancellationToken);

        // The cache is read after Brivo, so the plan follows the newest state the edge holds.
        var desired = VendorGrants.Compute(Cache.Index, doors, Time.GetUtcNow(), TimeSpan.FromDays(Math.Max(1, _options.HorizonDays)));
        var wantedMembers = desired.Select(d => (d.HolderId, d.LockSet, Window: BrivoDesiredState.WindowKey(d.ValidFrom, d.ValidUntil))).ToHashSet();
        if (previous is not null)
        {
            await holdings.RereadAsync(client, Affected(holdings, wantedMembers), cancellationToken);
        }

        var wantedGroups = wantedMembers.Select(m => (m.LockSet, m.Window)).ToHashSet();
        var wantedWindows = desired.GroupBy(d => BrivoDesiredState.WindowKey(d.ValidFrom, d.ValidUntil)).ToDictionary(g => g.Key, g => g.First());
        var wantedHolders = desired.Select(d => d.HolderId).ToHashSet(StringComparer.Ordinal);
        var userByHolder = holdings.UserByHolder;
        var holderByUser = userByHolder.ToDictionary(p => p.Value, p => p.Key);
        RememberUsers(userByHolder);

        var groupByKey = holdings.Groups.Where(g => wantedGroups.Contains((g.Set, g.Window))).GroupBy(g => (g.Set, g.Window)).ToDictionary(g => g.Key, g => g.First());
        var obsoleteMembers = groupByKey.Values
            .SelectMany(g => g.Members.Where(m => !holderByUser.TryGetValue(m, out var holder) || !wantedMembers.Contains((holder, g.Set, g.Window))).Select(m => (Group: g, User: m)))
            .ToList();
        var obsoleteGroups = holdings.Groups.Where(g => !groupByKey.TryGetValue((g.Set, g.Window), out var kept) || kept != g).ToList();
        var newSchedules = wantedWindows.Keys.Where(w => !holdings.ScheduleByWindow.ContainsKey(w)).Order(StringComparer.Ordinal).ToList();
        var newGroups = wantedGroups.Where(k => !groupByKey.ContainsKey(k)).OrderBy(k => k.LockSet, StringComparer.Ordinal).ThenBy(k => k.Window, StringComparer.Ordinal).ToList();
        var newUsers = wantedHolders.Where(h => !userByHolder.ContainsKey(h)).Order(StringComparer.Ordinal).ToList();
        var missingMembers = wantedMembers.Where(m => !(userByHolder.TryGetValue(m.HolderId, out var user) && groupByKey.TryGetValue((m.LockSet, m.Window), out var g) && g.Members.Contains(user)))
            .OrderBy(m => m.HolderId, StringComparer.Ordinal).ToList();
        var goneUsers = userByHolder.Where(p => !wantedHolders.Contains(p.Key)).ToList();
        var goneSchedules = holdings.ScheduleByWindow.Where(s => !wantedWindows.ContainsKey(s.Key)).ToList();
        var pending = obsoleteMembers.Count + obsoleteGroups.Count + newSchedules.Count + newGroups.Count + newUsers.Count + missingMembers.Count + goneUsers.Count + goneSchedules.Count;
        SetQueue(pending);

        foreach (var (group, userId) in obsoleteMembers)
        {
            await client.RemoveMemberAsync(group.Group.Id, userId, cancellationToken);
            group.Members.Remove(userId);
            SetQueue(--pending);
        }

        foreach (var group in obsoleteGroups)
        {
            await client.DeleteGroupAsync(group.Group.Id, cancellationToken);
            holdings.Groups.Remove(group);
            SetQueue(--pending);
        }

        foreach (var window in newSchedules)
        {
            var grant = wantedWindows[window];
            var (blocks, exceptions) = BrivoDesiredState.Schedule(grant.ValidFrom, grant.ValidUntil);
            holdings.ScheduleByWindow[window] = (await client.CreateScheduleAsync(BrivoDesiredState.SchedulePrefix + window, blocks, exceptions, cancellationToken)).Id;
            SetQueue(--pending);
        }

        foreach (var key in newGroups)
        {
            var group = await client.CreateGroupAsync(BrivoDesiredState.GroupName(key.LockSet, key.Window), cancellationToken);
            groupByKey[key] = new BrivoHeldGroup(group, key.LockSet, key.Window, [], []);
            holdings.Groups.Add(groupByKey[key]);
            SetQueue(--pending);
        }

        foreach (var group in groupByKey.Values)
        {
            var accessPoints = group.Set.Split(',').Select(long.Parse).ToHashSet();
            var scheduleId = holdings.ScheduleByWindow[group.Window];
            foreach (var extra in group.Permissions.Where(p => !accessPoints.Contains(p.AccessPointId)).ToList())
            {
                await client.ForbidAsync(group.Group.Id, extra.AccessPointId, cancellationToken);
                group.Permissions.Remove(extra);
            }

            foreach (var accessPoint in accessPoints.Where(a => !group.Permissions.Any(p => p.AccessPointId == a && p.ScheduleId == scheduleId)).ToList())
            {
                await client.PermitAsync(group.Group.Id, accessPoint, scheduleId, cancellationToken);
                group.Permissions.RemoveAll(p => p.AccessPointId == accessPoint);
                group.Permissions.Add(new BrivoPermission(group.Group.Id, accessPoint, scheduleId));
            }
        }

        foreach (var holder in newUsers)
        {
            userByHolder[holder] = (await client.CreateUserAsync(BrivoDesiredState.UserPrefix + holder, holder, cancellationToken)).Id;
            SetQueue(--pending);
        }

        foreach (var holder in wantedHolders.Order(StringComparer.Ordinal))
        {
            if (!holdings.CredentialByHolder.TryGetValue(holder, out var credential))
            {
                credential = await client.CreateCredentialAsync(BrivoDesiredState.UserPrefix + holder, cancellationToken);
            }

            if (credential.UserId != userByHolder[holder])
            {
                await client.AssignCredentialAsync(userByHolder[holder], credential.Id, cancellationToken);
                credential = credential with { UserId = userByHolder[holder] };
            }

            holdings.CredentialByHolder[holder] = credential;
        }

        foreach (var member in missingMembers)
        {
            var group = groupByKey[(member.LockSet, member.Window)];
            await client.AddMemberAsync(group.Group.Id, userByHolder[member.HolderId], cancellationToken);
            group.Members.Add(userByHolder[member.HolderId]);
            SetQueue(--pending);
        }

        foreach (var (holder, userId) in goneUsers)
        {
            await client.DeleteUserAsync(userId, cancellationToken);
            if (holdings.CredentialByHolder.Remove(holder, out var credential))
            {
                await client.DeleteCredentialAsync(credential.Id, cancellationToken);
            }

            userByHolder.Remove(holder);
            holdings.Groups.ForEach(g => g.Members.Remove(userId));
            SetQueue(--pending);
        }

        foreach (var (window, scheduleId) in goneSchedules)
        {
            await client.DeleteScheduleAsync(scheduleId, cancellationToken);
            holdings.ScheduleByWindow.Remove(window);
            SetQueue(--pending);
        }

        RememberUsers(userByHolder);
        _holdings = holdings;
        Log.LogInformation("Brivo: {Desired} grants wanted, {Removed} memberships removed, {Added} added, {Users} users made, {Gone} users removed",
            desired.Count, obsoleteMembers.Count, missingMembers.Count, newUsers.Count, goneUsers.Count);
    }

    /// <summary>
    /// The holders whose access at Brivo should change, by what the last reconcile left: a membership to add or remove, a
    /// user or credential to make, a user to remove. Only these a nudged reconcile reads from Brivo again.
    /// </summary>
    private static List<string> Affected(BrivoHoldings holdings, HashSet<(string HolderId, string LockSet, string Window)> wantedMembers)
    {
        var held = holdings.MembershipsByHolder();
        var wanted = wantedMembers.GroupBy(m => m.HolderId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(m => (m.LockSet, m.Window)).ToHashSet(), StringComparer.Ordinal);
        return held.Keys.Union(wanted.Keys, StringComparer.Ordinal)
            .Where(h => !held.TryGetValue(h, out var has) || !wanted.TryGetValue(h, out var wants) || !has.SetEquals(wants)
                || !holdings.CredentialByHolder.TryGetValue(h, out var credential) || credential.UserId != holdings.UserByHolder[h])
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Each access event at one of the location's Brivo doors becomes an access decision in the outbox, once per uuid.</summary>
    private async Task RecordEventsAsync(BrivoClient client, Dictionary<string, long> doors, CancellationToken cancellationToken)
    {
        var doorByAccessPoint = doors.ToDictionary(d => d.Value, d => d.Key);

        // A minute back from the newest event seen, so an event Brivo lists late is still read; the ledger drops repeats.
        foreach (var brivoEvent in (await client.AccessEventsAsync(EventsAfter.AddMinutes(-1), cancellationToken)).OrderBy(e => e.Occurred))
        {
            if (brivoEvent.Occurred > EventsAfter)
            {
                EventsAfter = brivoEvent.Occurred;
            }

            if (brivoEvent.EventObject is not { } accessPoint || !doorByAccessPoint.TryGetValue(accessPoint.Id, out var doorId))
            {
                continue;
            }

            var allowed = brivoEvent.EventData?.ActionAllowed == true;
            if (await RecordAccessOnceAsync(
                    brivoEvent.Uuid,
                    new EdgeEvent(EdgeEventKind.AccessDecision, brivoEvent.Occurred.ToUniversalTime(), doorId)
                    {
                        ReaderId = $"brivo:{accessPoint.Id}",
                        Reason = allowed ? DecisionReason.Granted : DecisionReason.NoGrantForDoor,
                        HolderId = brivoEvent.Actor is { } actor ? HolderOf(actor.Id) : null,
                        Presented = "brivo",
                    },
                    cancellationToken))
            {
                Log.LogInformation("Brivo event {BrivoEventId}: access at door {DoorId} {Outcome}", brivoEvent.Uuid, doorId, allowed ? "granted" : "denied");
            }
        }
    }
}
