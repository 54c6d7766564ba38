using System.Globalization;
using Coworking.Edge.Cache;
using Coworking.Edge.Configuration;
using Coworking.Edge.Decisions;
using Coworking.Edge.Outbox;
using Coworking.Proto.V1;
using Microsoft.Extensions.Hosting;
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
public sealed class SaltoBridge : BackgroundService, IVendorBridge
{
    public const string VendorName = "salto_ks";
    public const string HttpClientName = "salto";
    internal const string UserPrefix = "coworking:";
    internal const string GroupPrefix = "coworking ";

    private static readonly DateTimeOffset Beginning = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset End = new(9999, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly GrantCache _cache;
    private readonly VendorAccountStore _accounts;
    private readonly SaltoOptions _options;
    private readonly IHttpClientFactory _httpClients;
    private readonly SaltoTokens _tokens;
    private readonly IEventRecorder _recorder;
    private readonly TimeProvider _time;
    private readonly ILogger<SaltoBridge> _log;
    private readonly VendorEventLedger _seen;
    private readonly SemaphoreSlim _nudged = new(0, 1);
    private readonly Lock _sync = new();
    private DateTimeOffset? _lastReconcileAt;
    private int _queueDepth;
    private int _changesWaiting;
    private string? _lastError;
    private string _state = "not_configured";
    private long _calls;
    private long _notYetProvisioned;
    private DateTimeOffset _entriesAfter;
    private volatile IReadOnlyDictionary<string, string> _holdersByUser = new Dictionary<string, string>();

    public SaltoBridge(GrantCache cache, VendorAccountStore accounts, SaltoOptions options, IHttpClientFactory httpClients, SaltoTokens tokens,
        IEventRecorder recorder, EdgeOptions edge, TimeProvider time, ILogger<SaltoBridge> log)
    {
        (_cache, _accounts, _options, _httpClients, _tokens, _recorder, _time, _log) = (cache, accounts, options, httpClients, tokens, recorder, time, log);
        _seen = new VendorEventLedger(Path.Combine(edge.DataDirectory, "salto-entries.log"));
        _entriesAfter = time.GetUtcNow().AddMinutes(-5);
    }

    public string Vendor => VendorName;

    /// <summary><see cref="BridgeStatus.RateLimited"/> counts Salto's "not provisioned yet" answers here, the quirk that slows it down.</summary>
    public BridgeStatus Status
    {
        get
        {
            lock (_sync)
            {
                return new BridgeStatus(VendorName, _state, DoorIds.Count, _lastReconcileAt, Math.Max(_queueDepth, _changesWaiting), _lastError,
                    Interlocked.Read(ref _calls), Interlocked.Read(ref _notYetProvisioned));
            }
        }
    }

    public IReadOnlyCollection<string> DoorIds => _accounts.Get(VendorName) is null ? [] : SaltoDoors(_cache.Index).Keys;

    /// <summary>The location's Salto KS doors, by hub door id, with their site and lock ids.</summary>
    internal static Dictionary<string, (string Site, string Lock)> SaltoDoors(CacheIndex index) =>
        index.Doors.Where(d => d.Controller == DoorController.SaltoKs && d.VendorSiteId.Length > 0 && d.VendorLockId.Length > 0)
            .ToDictionary(d => d.DoorId, d => (d.VendorSiteId, d.VendorLockId), StringComparer.Ordinal);

    internal static string WindowKey(DateTimeOffset? from, DateTimeOffset? until) =>
        $"{from?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}~{until?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The window as Salto's time schedule: its dates, every day, all day.</summary>
    internal static SaltoTimeSchedule Schedule(DateTimeOffset? from, DateTimeOffset? until) =>
        new(from ?? Beginning, until ?? End, "00:00", "24:00", true, true, true, true, true, true, true);

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
        if (Client() is not { } client || !SaltoDoors(_cache.Index).TryGetValue(doorId, out var door))
        {
            return false;
        }

        try
        {
            await client.UnlockAsync(door.Site, door.Lock, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is SaltoException or HttpRequestException or TimeoutException or FormatException or Polly.Timeout.TimeoutRejectedException)
        {
            _log.LogWarning("Salto KS did not open lock {LockId} of door {DoorId}: {Error}", door.Lock, doorId, ex.Message);
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
        var entries = PollEntriesAsync(stoppingToken);
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
                SetError(ex is SaltoException or HttpRequestException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}");
                _log.LogWarning("Salto KS reconcile failed ({Failures} in a row): {Error}", failures, ex.Message);
                wait = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(60_000, 1000 * Math.Pow(2, Math.Min(failures, 6))) + 500);
            }

            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            await Task.WhenAny(Task.Delay(wait, _time, waiting.Token), _nudged.WaitAsync(waiting.Token));
            await waiting.CancelAsync();
        }

        await entries;
    }

    private SaltoClient? Client()
    {
        if (_accounts.Get(VendorName) is not { } account || account.Secret("client_id").Length == 0)
        {
            return null;
        }

        var apiBase = new Uri(account.ApiBase.Length > 0 ? account.ApiBase : _options.DefaultApiBase);
        return new SaltoClient(_httpClients.CreateClient(HttpClientName), apiBase, _tokens, account, _options, _time, notYet =>
        {
            Interlocked.Increment(ref _calls);
            if (notYet)
            {
                Interlocked.Increment(ref _notYetProvisioned);
            }
        });
    }

    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var doors = SaltoDoors(_cache.Index);
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
        var holders = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var site in doors.Values.Select(d => d.Site).Distinct().Order(StringComparer.Ordinal))
        {
            var siteDoors = doors.Where(d => d.Value.Site == site).ToDictionary(d => d.Key, d => d.Value.Lock, StringComparer.Ordinal);
            await ReconcileSiteAsync(client, site, siteDoors, holders, cancellationToken);
        }

        _holdersByUser = holders;
        lock (_sync)
        {
            (_state, _lastReconcileAt, _queueDepth, _lastError) = ("in_step", _time.GetUtcNow(), 0, null);
        }

        Interlocked.Add(ref _changesWaiting, -waitingAtStart);
    }

    private async Task ReconcileSiteAsync(SaltoClient client, string site, Dictionary<string, string> doors, Dictionary<string, string> holders, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var users = (await client.UsersAsync(site, cancellationToken)).Where(u => u.ExternalId?.StartsWith(UserPrefix, StringComparison.Ordinal) == true).ToList();
        var groups = new List<(SaltoAccessGroup Group, string Key, HashSet<string> Locks, HashSet<string> Users)>();
        foreach (var group in (await client.AccessGroupsAsync(site, cancellationToken)).Where(g => g.Name.StartsWith(GroupPrefix, StringComparison.Ordinal)))
        {
            groups.Add((group, group.Name[GroupPrefix.Length..],
                (await client.GroupLocksAsync(site, group.Id, cancellationToken)).Select(l => l.Id).ToHashSet(StringComparer.Ordinal),
                (await client.GroupUsersAsync(site, group.Id, cancellationToken)).Select(u => u.Id).ToHashSet(StringComparer.Ordinal)));
        }

        // The cache is read after Salto KS, so the plan follows the newest state the edge holds.
        var desired = VendorGrants.Compute(_cache.Index, doors, _time.GetUtcNow(), TimeSpan.FromDays(Math.Max(1, _options.HorizonDays)));
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

        _log.LogInformation("Salto KS site {Site} reconciled in {Elapsed} ms: {Desired} grants wanted, {Removed} memberships removed, {Groups} groups made, {Users} users made, {Gone} users removed",
            site, (int)_time.GetElapsedTime(started).TotalMilliseconds, desired.Count, obsoleteMembers.Count, newGroups.Count, newUsers.Count, goneUsers.Count);
    }

    private async Task PollEntriesAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Max(1, _options.EventPollSeconds)), _time, stoppingToken);
                if (Client() is { } client && SaltoDoors(_cache.Index) is { Count: > 0 } doors)
                {
                    await RecordEntriesAsync(client, doors, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is SaltoException or HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException)
            {
                _log.LogWarning("Reading Salto KS entries failed: {Error}", ex.Message);
            }
        }
    }

    /// <summary>Each entry at one of the location's Salto KS doors becomes an access decision in the outbox, once per entry id.</summary>
    private async Task RecordEntriesAsync(SaltoClient client, Dictionary<string, (string Site, string Lock)> doors, CancellationToken cancellationToken)
    {
        var after = _entriesAfter.AddMinutes(-1);
        foreach (var site in doors.Values.Select(d => d.Site).Distinct().Order(StringComparer.Ordinal))
        {
            foreach (var entry in (await client.EntriesAsync(site, after, cancellationToken)).OrderBy(e => e.Date))
            {
                if (entry.Date > _entriesAfter)
                {
                    _entriesAfter = entry.Date;
                }

                var doorId = doors.FirstOrDefault(d => d.Value == (site, entry.LockId)).Key;
                if (doorId is null || !_seen.TryBegin(entry.Id))
                {
                    continue;
                }

                try
                {
                    await _recorder.AppendAsync(
                        new EdgeEvent(EdgeEventKind.AccessDecision, entry.Date.ToUniversalTime(), doorId)
                        {
                            ReaderId = $"salto_ks:{entry.LockId}",
                            Reason = entry.Success ? DecisionReason.Granted : DecisionReason.NoGrantForDoor,
                            HolderId = entry.UserId is { } user && _holdersByUser.TryGetValue(user, out var holder) ? holder : null,
                            Presented = "salto_ks",
                        },
                        cancellationToken);
                    _seen.Complete(entry.Id);
                    _log.LogInformation("Salto KS entry {EntryId}: lock at door {DoorId} {Outcome}", entry.Id, doorId, entry.Success ? "opened" : "refused");
                }
                catch
                {
                    _seen.Abandon(entry.Id);
                    throw;
                }
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
            _queueDepth = Math.Max(0, depth);
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
