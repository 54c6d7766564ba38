using Coworking.Edge.Cache;
using Coworking.Edge.Configuration;
using Coworking.Edge.Decisions;
using Coworking.Edge.Outbox;
using Microsoft.Extensions.Hosting;
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
public sealed class BrivoBridge : BackgroundService, IVendorBridge
{
    public const string VendorName = "brivo";
    public const string HttpClientName = "brivo";

    private readonly GrantCache _cache;
    private readonly VendorAccountStore _accounts;
    private readonly BrivoOptions _options;
    private readonly IHttpClientFactory _httpClients;
    private readonly BrivoTokens _tokens;
    private readonly IEventRecorder _recorder;
    private readonly TimeProvider _time;
    private readonly ILogger<BrivoBridge> _log;
    private readonly VendorEventLedger _seen;
    private readonly SemaphoreSlim _nudged = new(0, 1);
    private readonly Lock _sync = new();
    private DateTimeOffset? _lastReconcileAt;
    private int _queueDepth;
    private int _changesWaiting;
    private string? _lastError;
    private string _state = "not_configured";
    private long _calls;
    private long _rateLimited;
    private DateTimeOffset _eventsAfter;
    private volatile IReadOnlyDictionary<long, string> _holdersByUser = new Dictionary<long, string>();

    public BrivoBridge(GrantCache cache, VendorAccountStore accounts, BrivoOptions options, IHttpClientFactory httpClients, BrivoTokens tokens,
        IEventRecorder recorder, EdgeOptions edge, TimeProvider time, ILogger<BrivoBridge> log)
    {
        (_cache, _accounts, _options, _httpClients, _tokens, _recorder, _time, _log) = (cache, accounts, options, httpClients, tokens, recorder, time, log);
        _seen = new VendorEventLedger(Path.Combine(edge.DataDirectory, "brivo-events.log"));
        _eventsAfter = time.GetUtcNow().AddMinutes(-5);
    }

    public string Vendor => VendorName;

    public BridgeStatus Status
    {
        get
        {
            lock (_sync)
            {
                return new BridgeStatus(VendorName, _state, DoorIds.Count, _lastReconcileAt, Math.Max(_queueDepth, _changesWaiting), _lastError,
                    Interlocked.Read(ref _calls), Interlocked.Read(ref _rateLimited));
            }
        }
    }

    public IReadOnlyCollection<string> DoorIds => _accounts.Get(VendorName) is null ? [] : BrivoDesiredState.BrivoDoors(_cache.Index).Keys;

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
        if (Client() is not { } client || !BrivoDesiredState.BrivoDoors(_cache.Index).TryGetValue(doorId, out var accessPointId))
        {
            return false;
        }

        try
        {
            await client.UnlockAsync(accessPointId, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is BrivoException or HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException)
        {
            _log.LogWarning("Brivo did not unlock access point {AccessPointId} of door {DoorId}: {Error}", accessPointId, doorId, ex.Message);
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _accounts.Changed += (_, vendors) =>
        {
            if (vendors.Contains(VendorName))
            {
                Nudge();
            }
        };
        var events = PollEventsAsync(stoppingToken);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = TimeSpan.FromSeconds(Math.Max(1, _options.ReconcileSeconds));
            try
            {
                await ReconcileAsync(stoppingToken);
                failures = 0;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                failures++;
                SetError(ex is BrivoException or HttpRequestException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}");
                _log.LogWarning("Brivo reconcile failed ({Failures} in a row): {Error}", failures, ex.Message);
                wait = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(60_000, 1000 * Math.Pow(2, Math.Min(failures, 6))) + 500);
            }

            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            await Task.WhenAny(Task.Delay(wait, _time, waiting.Token), _nudged.WaitAsync(waiting.Token));
            await waiting.CancelAsync();
        }

        await events;
    }

    private BrivoClient? Client()
    {
        if (_accounts.Get(VendorName) is not { } account || account.Secret("api_key").Length == 0)
        {
            return null;
        }

        // A simulator's account names one base for both: the token endpoint at <base>/oauth/token, the API at <base>/v1/api.
        var (apiBase, tokenUrl) = account.ApiBase.Length > 0
            ? (new Uri(account.ApiBase.TrimEnd('/') + "/v1/api"), new Uri(account.ApiBase.TrimEnd('/') + "/oauth/token"))
            : (new Uri(_options.DefaultApiBase), new Uri(_options.DefaultTokenUrl));
        return new BrivoClient(_httpClients.CreateClient(HttpClientName), apiBase, tokenUrl, account, _tokens, Answered);
    }

    private void Answered(int status)
    {
        Interlocked.Increment(ref _calls);
        if (status == 429)
        {
            Interlocked.Increment(ref _rateLimited);
        }
    }

    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var doors = BrivoDesiredState.BrivoDoors(_cache.Index);
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
        var started = _time.GetTimestamp();
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
        var desired = VendorGrants.Compute(_cache.Index, doors, _time.GetUtcNow(), TimeSpan.FromDays(Math.Max(1, _options.HorizonDays)));
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
        _holdersByUser = holderByUser;
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

        _holdersByUser = userByHolder.ToDictionary(p => p.Value, p => p.Key);
        lock (_sync)
        {
            (_state, _lastReconcileAt, _queueDepth, _lastError) = ("in_step", _time.GetUtcNow(), 0, null);
        }

        Interlocked.Add(ref _changesWaiting, -waitingAtStart);
        _log.LogInformation("Brivo reconciled in {Elapsed} ms: {Desired} grants wanted, {Removed} memberships removed, {Added} added, {Users} users made, {Gone} users removed",
            (int)_time.GetElapsedTime(started).TotalMilliseconds, desired.Count, obsoleteMembers.Count, missingMembers.Count, newUsers.Count, goneUsers.Count);
    }

    private async Task PollEventsAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Max(1, _options.EventPollSeconds)), _time, stoppingToken);
                if (Client() is { } client && BrivoDesiredState.BrivoDoors(_cache.Index) is { Count: > 0 } doors)
                {
                    await RecordEventsAsync(client, doors, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is BrivoException or HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException)
            {
                _log.LogWarning("Reading Brivo's access events failed: {Error}", ex.Message);
            }
        }
    }

    /// <summary>Each access event at one of the location's Brivo doors becomes an access decision in the outbox, once per uuid.</summary>
    private async Task RecordEventsAsync(BrivoClient client, Dictionary<string, long> doors, CancellationToken cancellationToken)
    {
        var doorByAccessPoint = doors.ToDictionary(d => d.Value, d => d.Key);

        // A minute back from the newest event seen, so an event Brivo lists late is still read; the ledger drops repeats.
        foreach (var brivoEvent in (await client.AccessEventsAsync(_eventsAfter.AddMinutes(-1), cancellationToken)).OrderBy(e => e.Occurred))
        {
            if (brivoEvent.Occurred > _eventsAfter)
            {
                _eventsAfter = brivoEvent.Occurred;
            }

            if (brivoEvent.EventObject is not { } accessPoint || !doorByAccessPoint.TryGetValue(accessPoint.Id, out var doorId) || !_seen.TryBegin(brivoEvent.Uuid))
            {
                continue;
            }

            try
            {
                var allowed = brivoEvent.EventData?.ActionAllowed == true;
                await _recorder.AppendAsync(
                    new EdgeEvent(EdgeEventKind.AccessDecision, brivoEvent.Occurred.ToUniversalTime(), doorId)
                    {
                        ReaderId = $"brivo:{accessPoint.Id}",
                        Reason = allowed ? DecisionReason.Granted : DecisionReason.NoGrantForDoor,
                        HolderId = brivoEvent.Actor is { } actor && _holdersByUser.TryGetValue(actor.Id, out var holder) ? holder : null,
                        Presented = "brivo",
                    },
                    cancellationToken);
                _seen.Complete(brivoEvent.Uuid);
                _log.LogInformation("Brivo event {BrivoEventId}: access at door {DoorId} {Outcome}", brivoEvent.Uuid, doorId, allowed ? "granted" : "denied");
            }
            catch
            {
                _seen.Abandon(brivoEvent.Uuid);
                throw;
            }
        }
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
