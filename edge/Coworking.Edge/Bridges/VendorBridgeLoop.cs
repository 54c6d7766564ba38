using Coworking.Edge.Cache;
using Coworking.Edge.Configuration;
using Coworking.Edge.Outbox;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coworking.Edge.Bridges;

/// <summary>What every bridge works from: the grant cache, the vendor accounts, the outbox, the data directory, HTTP and the clock.</summary>
public sealed record BridgeDependencies(
    GrantCache Cache, VendorAccountStore Accounts, IEventRecorder Recorder, EdgeOptions Edge, IHttpClientFactory HttpClients, TimeProvider Time);

/// <summary>
/// What every vendor bridge does the same way (docs/BRIDGES.md): reconcile after every nudge (an applied batch, a changed
/// account) and on the vendor's timer, retry a failed reconcile with jittered exponential backoff (up to a minute), count
/// what waits while the vendor is away, report the bridge's state, unlock through the vendor and, for vendors that are
/// polled, read their access events on a timer. A vendor supplies only its API: whether it is configured, one reconcile,
/// one unlock and one read of its events.
/// </summary>
/// <remarks>
/// A reconcile is <em>full</em> on the timer, after a failure and after the account changed: everything is read from the
/// vendor again, so drift at the vendor heals. A nudged reconcile in between may work from what the bridge last read and
/// wrote (the vendor decides, <see cref="ReconcileAsync"/>), so a suspension does not wait behind listing every user.
/// </remarks>
/// <typeparam name="TUserId">How the vendor names its users (Kisi and Brivo by number, Salto KS by string).</typeparam>
public abstract class VendorBridgeLoop<TUserId> : BackgroundService, IVendorBridge
    where TUserId : notnull
{
    private readonly SemaphoreSlim _nudged = new(0, 1);
    private readonly Lock _sync = new();
    private readonly VendorAccountStore _accounts;
    private readonly VendorOptions _options;
    private readonly IEventRecorder _recorder;
    private readonly IHttpClientFactory _httpClients;
    private readonly VendorEventLedger _seen;
    private DateTimeOffset? _lastReconcileAt;
    private DateTimeOffset _nextFull = DateTimeOffset.MinValue;
    private int _queueDepth;

    // Applied batches since the last reconcile that completed: what waits while the vendor cannot even be read.
    private int _changesWaiting;
    private string? _lastError;
    private string _state = "not_configured";
    private volatile bool _fullWanted = true;
    private volatile IReadOnlyDictionary<TUserId, string> _holdersByUser = new Dictionary<TUserId, string>();

    /// <param name="ledgerFile">The file beside the outbox that keeps the vendor's event ids already recorded.</param>
    protected VendorBridgeLoop(string vendor, string displayName, string ledgerFile, BridgeDependencies dependencies, VendorOptions options, VendorRateGate gate, ILogger log)
    {
        (Vendor, DisplayName, _options, Gate, Log) = (vendor, displayName, options, gate, log);
        (Cache, _accounts, _recorder, _httpClients, Time) = (dependencies.Cache, dependencies.Accounts, dependencies.Recorder, dependencies.HttpClients, dependencies.Time);
        _seen = new VendorEventLedger(Path.Combine(dependencies.Edge.DataDirectory, ledgerFile));
        EventsAfter = Time.GetUtcNow().AddMinutes(-5);
    }

    public string Vendor { get; }

    /// <summary>The vendor as the logs name it.</summary>
    protected string DisplayName { get; }

    protected VendorRateGate Gate { get; }

    protected GrantCache Cache { get; }

    /// <summary>The vendor's HttpClient: the rate gate under the resilience pipeline (BridgeServices).</summary>
    protected HttpClient Http() => _httpClients.CreateClient(Vendor);

    protected TimeProvider Time { get; }

    protected ILogger Log { get; }

    protected VendorAccountSettings? Account => _accounts.Get(Vendor);

    /// <summary>The newest event time a poll saw (vendors that <see cref="PollsEvents"/>); at first, five minutes back.</summary>
    protected DateTimeOffset EventsAfter { get; set; }

    public BridgeStatus Status
    {
        get
        {
            lock (_sync)
            {
                return new BridgeStatus(Vendor, _state, DoorIds.Count, _lastReconcileAt, Math.Max(_queueDepth, _changesWaiting), _lastError, Gate.Calls, RateLimited);
            }
        }
    }

    public IReadOnlyCollection<string> DoorIds => Account is null ? [] : VendorDoorIds();

    /// <summary>What /status reports as rate limited: the 429s the gate saw, and whatever else slows this vendor down.</summary>
    protected virtual long RateLimited => Gate.RateLimited;

    /// <summary>The vendor's events are read every <see cref="VendorOptions.EventPollSeconds"/>; otherwise the vendor sends them (a webhook).</summary>
    protected virtual bool PollsEvents => false;

    /// <summary>The account's secret without which the bridge cannot call the vendor at all.</summary>
    protected abstract string RequiredSecret { get; }

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
        try
        {
            if (!Configured || !VendorDoorIds().Contains(doorId))
            {
                return false;
            }

            await UnlockThroughVendorAsync(doorId, cancellationToken);
            return true;
        }
        catch (Exception ex) when (IsVendorFailure(ex))
        {
            Log.LogWarning("{Vendor} did not unlock door {DoorId}: {Error}", DisplayName, doorId, ex.Message);
            return false;
        }
    }

    /// <summary>The hub's door ids of the doors of this vendor, with the vendor's ids for them.</summary>
    protected abstract IReadOnlyCollection<string> VendorDoorIds();

    /// <summary>An account to call the vendor with and at least one door of the vendor's.</summary>
    protected bool Configured => Account is { } account && account.Secret(RequiredSecret).Length > 0 && VendorDoorIds().Count > 0;

    /// <summary>
    /// Makes the vendor hold what the grant cache wants, reporting its plan's size through <see cref="SetQueue"/>.
    /// <paramref name="full"/>: read everything from the vendor; otherwise the vendor may work from what it last read and wrote.
    /// </summary>
    protected abstract Task ReconcileAsync(bool full, CancellationToken cancellationToken);

    /// <summary>Releases one of the vendor's doors through the vendor (the account is there).</summary>
    protected abstract Task UnlockThroughVendorAsync(string doorId, CancellationToken cancellationToken);

    /// <summary>Reads the vendor's new access events into the outbox (vendors that <see cref="PollsEvents"/>).</summary>
    protected virtual Task PollEventsOnceAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>A failure of the vendor or the way to it, worth a warning and a retry rather than a crash.</summary>
    protected virtual bool IsVendorFailure(Exception ex) =>
        ex is VendorApiException or HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException;

    /// <summary>The holder a vendor user stands for, as the last reconcile saw the users.</summary>
    internal string? HolderOf(TUserId userId) => _holdersByUser.TryGetValue(userId, out var holder) ? holder : null;

    /// <summary>The vendor's users of the bridge's own, by holder, as a reconcile found or made them.</summary>
    protected void RememberUsers(IEnumerable<KeyValuePair<string, TUserId>> userByHolder) => _holdersByUser = userByHolder.ToDictionary(p => p.Value, p => p.Key);

    /// <summary>
    /// Records the vendor's event as an access event in the outbox once per vendor event id, however often the vendor
    /// lists or sends it; false for an id recorded already.
    /// </summary>
    internal Task<bool> RecordAccessOnceAsync(string vendorEventId, EdgeEvent accessEvent, CancellationToken cancellationToken) =>
        _seen.RecordOnceAsync(vendorEventId, () => _recorder.AppendAsync(accessEvent, cancellationToken));

    protected void SetQueue(int depth)
    {
        lock (_sync)
        {
            _queueDepth = Math.Max(0, depth);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _accounts.Changed += (_, vendors) =>
        {
            if (vendors.Contains(Vendor))
            {
                _fullWanted = true;
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
                await ReconcileOnceAsync(stoppingToken);
                failures = 0;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                failures++;
                _fullWanted = true;
                lock (_sync)
                {
                    (_state, _lastError) = ("failing", ex is VendorApiException or HttpRequestException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}");
                }

                Log.LogWarning("{Vendor} reconcile failed ({Failures} in a row): {Error}", DisplayName, failures, ex.Message);
                wait = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(60_000, 1000 * Math.Pow(2, Math.Min(failures, 6))) + 500);
            }

            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            await Task.WhenAny(Task.Delay(wait, Time, waiting.Token), _nudged.WaitAsync(waiting.Token));
            await waiting.CancelAsync();
        }

        await events;
    }

    private async Task ReconcileOnceAsync(CancellationToken cancellationToken)
    {
        if (!Configured)
        {
            lock (_sync)
            {
                (_state, _queueDepth, _lastError, _changesWaiting) = ("not_configured", 0, null, 0);
            }

            _fullWanted = true;
            return;
        }

        lock (_sync)
        {
            _state = "reconciling";
        }

        var waitingAtStart = Volatile.Read(ref _changesWaiting);
        var started = Time.GetTimestamp();
        var full = _fullWanted || Time.GetUtcNow() >= _nextFull;
        _fullWanted = false;
        await ReconcileAsync(full, cancellationToken);
        if (full)
        {
            _nextFull = Time.GetUtcNow().AddSeconds(Math.Max(1, _options.ReconcileSeconds));
        }

        lock (_sync)
        {
            (_state, _lastReconcileAt, _queueDepth, _lastError) = ("in_step", Time.GetUtcNow(), 0, null);
        }

        Interlocked.Add(ref _changesWaiting, -waitingAtStart);
        Log.LogInformation("{Vendor} in step after a {Kind} reconcile of {Elapsed} ms", DisplayName, full ? "full" : "nudged", (int)Time.GetElapsedTime(started).TotalMilliseconds);
    }

    private async Task PollEventsAsync(CancellationToken stoppingToken)
    {
        if (!PollsEvents)
        {
            return;
        }

        var interval = TimeSpan.FromSeconds(Math.Max(1, _options.EventPollSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, Time, stoppingToken);
                if (Configured)
                {
                    await PollEventsOnceAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (IsVendorFailure(ex))
            {
                Log.LogWarning("Reading {Vendor}'s access events failed: {Error}", DisplayName, ex.Message);
            }
        }
    }

    public override void Dispose()
    {
        _nudged.Dispose();
        base.Dispose();
        GC.SuppressFinalize(this);
    }
}
