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
/// once per event uuid.
/// </summary>
public sealed class BrivoBridge : VendorBridgeLoop<long>
{
    public const string VendorName = "brivo";

    private readonly BrivoOptions _options;
    private readonly BrivoTokens _tokens;

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
        var users = (await client.UsersAsync(cancellationToken)).Where(u => u.ExternalId?.StartsWith(BrivoDesiredState.UserPrefix, StringComparison.Ordinal) == true).ToList();
        var credentials = (await client.CredentialsAsync(cancellationToken)).Where(c => c.ReferenceId.StartsWith(BrivoDesiredState.UserPrefix, StringComparison.Ordinal)).ToList();
        var schedules = (await client.SchedulesAsync(cancellationToken)).Where(s => s.Name.StartsWith(BrivoDesiredState.SchedulePrefix, StringComparison.Ordinal)).ToList();
        var groups = new List<(BrivoGroup Group, string Set, string Window, List<BrivoUser> Members, List<BrivoPermission> Permissions)>();
        foreach (var group in await client.GroupsAsync(cancellationToken))
        {
            if (BrivoDesiredState.ParseGroup(group.Name) is { } key)
            {
                groups.Add((group, key.AccessPointSet, key.WindowKey, await client.GroupUsersAsync(group.Id, cancellationToken), await client.GroupPermissionsAsync(group.Id, cancellationToken)));
            }
        }

        // The cache is read after Brivo, so the plan follows the newest state the edge holds.
        var desired = VendorGrants.Compute(Cache.Index, doors, Time.GetUtcNow(), TimeSpan.FromDays(Math.Max(1, _options.HorizonDays)));
        var wantedGroups = desired.Select(d => (d.LockSet, Window: BrivoDesiredState.WindowKey(d.ValidFrom, d.ValidUntil))).ToHashSet();
        var wantedWindows = desired.GroupBy(d => BrivoDesiredState.WindowKey(d.ValidFrom, d.ValidUntil)).ToDictionary(g => g.Key, g => g.First());
        var wantedMembers = desired.Select(d => (d.HolderId, d.LockSet, Window: BrivoDesiredState.WindowKey(d.ValidFrom, d.ValidUntil))).ToHashSet();
        var wantedHolders = desired.Select(d => d.HolderId).ToHashSet(StringComparer.Ordinal);

        var userByHolder = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var user in users)
        {
            userByHolder.TryAdd(user.ExternalId![BrivoDesiredState.UserPrefix.Length..], user.Id);
        }

        var holderByUser = userByHolder.ToDictionary(p => p.Value, p => p.Key);
        RememberUsers(userByHolder);
        var obsoleteMembers = groups.Where(g => wantedGroups.Contains((g.Set, g.Window)))
            .SelectMany(g => g.Members.Where(m => !holderByUser.TryGetValue(m.Id, out var holder) || !wantedMembers.Contains((holder, g.Set, g.Window))).Select(m => (g.Group.Id, m.Id)))
            .ToList();

        var scheduleByWindow = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var schedule in schedules)
        {
            scheduleByWindow.TryAdd(schedule.Name[BrivoDesiredState.SchedulePrefix.Length..], schedule.Id);
        }

        var newSchedules = wantedWindows.Keys.Where(w => !scheduleByWindow.ContainsKey(w)).Order(StringComparer.Ordinal).ToList();
        var groupByKey = groups.Where(g => wantedGroups.Contains((g.Set, g.Window))).GroupBy(g => (g.Set, g.Window)).ToDictionary(g => g.Key, g => g.First());
        var obsoleteGroups = groups.Where(g => !groupByKey.TryGetValue((g.Set, g.Window), out var kept) || kept.Group.Id != g.Group.Id).Select(g => g.Group.Id).ToList();
        var newGroups = wantedGroups.Where(k => !groupByKey.ContainsKey(k)).OrderBy(k => k.LockSet, StringComparer.Ordinal).ThenBy(k => k.Window, StringComparer.Ordinal).ToList();
        var newUsers = wantedHolders.Where(h => !userByHolder.ContainsKey(h)).Order(StringComparer.Ordinal).ToList();
        var members = groupByKey.ToDictionary(g => g.Key, g => g.Value.Members.Select(m => m.Id).ToHashSet());
        var missingMembers = wantedMembers.Where(m => !(userByHolder.TryGetValue(m.HolderId, out var user) && members.TryGetValue((m.LockSet, m.Window), out var ids) && ids.Contains(user)))
            .OrderBy(m => m.HolderId, StringComparer.Ordinal).ToList();
        var goneUsers = userByHolder.Where(p => !wantedHolders.Contains(p.Key)).Select(p => p.Value).ToList();
        var goneSchedules = scheduleByWindow.Where(s => !wantedWindows.ContainsKey(s.Key)).Select(s => s.Value).ToList();
        var pending = obsoleteMembers.Count + obsoleteGroups.Count + newSchedules.Count + newGroups.Count + newUsers.Count + missingMembers.Count + goneUsers.Count + goneSchedules.Count;
        SetQueue(pending);

        foreach (var (groupId, userId) in obsoleteMembers)
        {
            await client.RemoveMemberAsync(groupId, userId, cancellationToken);
            SetQueue(--pending);
        }

        foreach (var groupId in obsoleteGroups)
        {
            await client.DeleteGroupAsync(groupId, cancellationToken);
            SetQueue(--pending);
        }

        foreach (var window in newSchedules)
        {
            var grant = wantedWindows[window];
            var (blocks, exceptions) = BrivoDesiredState.Schedule(grant.ValidFrom, grant.ValidUntil);
            scheduleByWindow[window] = (await client.CreateScheduleAsync(BrivoDesiredState.SchedulePrefix + window, blocks, exceptions, cancellationToken)).Id;
            SetQueue(--pending);
        }

        var groupIds = groupByKey.ToDictionary(g => g.Key, g => g.Value.Group.Id);
        var permissions = groupByKey.ToDictionary(g => g.Key, g => g.Value.Permissions);
        foreach (var key in newGroups)
        {
            groupIds[key] = (await client.CreateGroupAsync(BrivoDesiredState.GroupName(key.LockSet, key.Window), cancellationToken)).Id;
            permissions[key] = [];
            SetQueue(--pending);
        }

        foreach (var (key, groupId) in groupIds)
        {
            var accessPoints = key.Set.Split(',').Select(long.Parse).ToHashSet();
            var scheduleId = scheduleByWindow[key.Window];
            foreach (var extra in permissions[key].Where(p => !accessPoints.Contains(p.AccessPointId)))
            {
                await client.ForbidAsync(groupId, extra.AccessPointId, cancellationToken);
            }

            foreach (var accessPoint in accessPoints.Where(a => !permissions[key].Any(p => p.AccessPointId == a && p.ScheduleId == scheduleId)))
            {
                await client.PermitAsync(groupId, accessPoint, scheduleId, cancellationToken);
            }
        }

        var credentialByHolder = credentials.GroupBy(c => c.ReferenceId[BrivoDesiredState.UserPrefix.Length..], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var holder in newUsers)
        {
            userByHolder[holder] = (await client.CreateUserAsync(BrivoDesiredState.UserPrefix + holder, holder, cancellationToken)).Id;
            SetQueue(--pending);
        }

        foreach (var holder in wantedHolders.Order(StringComparer.Ordinal))
        {
            if (!credentialByHolder.TryGetValue(holder, out var credential))
            {
                credential = await client.CreateCredentialAsync(BrivoDesiredState.UserPrefix + holder, cancellationToken);
            }

            if (credential.UserId != userByHolder[holder])
            {
                await client.AssignCredentialAsync(userByHolder[holder], credential.Id, cancellationToken);
            }
        }

        foreach (var member in missingMembers)
        {
            await client.AddMemberAsync(groupIds[(member.LockSet, member.Window)], userByHolder[member.HolderId], cancellationToken);
            SetQueue(--pending);
        }

        foreach (var userId in goneUsers)
        {
            await client.DeleteUserAsync(userId, cancellationToken);
            if (holderByUser.TryGetValue(userId, out var holder) && credentialByHolder.TryGetValue(holder, out var credential))
            {
                await client.DeleteCredentialAsync(credential.Id, cancellationToken);
            }

            SetQueue(--pending);
        }

        foreach (var scheduleId in goneSchedules)
        {
            await client.DeleteScheduleAsync(scheduleId, cancellationToken);
            SetQueue(--pending);
        }

        RememberUsers(userByHolder);
        Log.LogInformation("Brivo: {Desired} grants wanted, {Removed} memberships removed, {Added} added, {Users} users made, {Gone} users removed",
            desired.Count, obsoleteMembers.Count, missingMembers.Count, newUsers.Count, goneUsers.Count);
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
