using Coworking.Edge.Outbox;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coworking.Edge.Sensors;

/// <summary>What a watched resource or area reported last: occupied or not, people counted (-1 without a counter), CO2 (0 without a sensor).</summary>
/// <param name="Window">Only on a 5-minute aggregate: the window's figures; the rest is the state at its end.</param>
public sealed record OccupancyChange(string? ResourceId, string? AreaId, bool Occupied, int Count, double Co2Ppm, string? SensorId, OccupancyWindow? Window = null);

/// <summary>
/// One window of a watched space summed up: from <paramref name="Start"/> (UTC, on a 5-minute boundary) for
/// <paramref name="Seconds"/>, the seconds it was occupied, the most people counted (-1 without a counter) and CO2's
/// mean and highest reading (0 without a CO2 sensor).
/// </summary>
public sealed record OccupancyWindow(DateTimeOffset Start, int Seconds, int OccupiedSeconds, int PeakCount, double Co2Mean, double Co2Max);

/// <summary>
/// Occupancy per watched resource (or area) from its sensors (ARCHITECTURE §11), as a reconcile loop: after every
/// usable message and once a second it works out each one's state from what its online sensors last said, and
/// records a change to the outbox when it differs from what was last recorded. A PIR counts as occupied until its
/// hold time passes without motion; presence and desk sensors count exactly as they say; counters give the count
/// and occupy above zero; CO2 is carried along but never decides. An offline sensor counts for nothing. A watched
/// space is first recorded once one of its sensors is heard, so a restart does not report everything vacant. Each
/// known space is also summed up per 5-minute window (<see cref="OccupancyWindows"/>) and recorded as an aggregate.
/// </summary>
public sealed class OccupancyTracker : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    private readonly SensorIngest _ingest;
    private readonly IEventRecorder _recorder;
    private readonly TimeProvider _time;
    private readonly ILogger<OccupancyTracker> _log;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly SemaphoreSlim _evaluating = new(1, 1);
    private readonly Dictionary<string, OccupancyChange> _recorded = new(StringComparer.Ordinal);
    private readonly OccupancyWindows _windows = new();

    public OccupancyTracker(SensorIngest ingest, IEventRecorder recorder, TimeProvider time, ILogger<OccupancyTracker> log)
    {
        _ingest = ingest;
        _recorder = recorder;
        _time = time;
        _log = log;
        ingest.Received += Wake;
    }

    /// <summary>The state last recorded for each watched resource or area.</summary>
    public IReadOnlyList<OccupancyChange> Current
    {
        get
        {
            lock (_recorded)
            {
                return [.. _recorded.Values];
            }
        }
    }

    /// <summary>Works out every watched space's state now, records those that changed and the 5-minute windows that ended; returns how many changed.</summary>
    public async Task<int> EvaluateAsync(CancellationToken cancellationToken)
    {
        await _evaluating.WaitAsync(cancellationToken);
        try
        {
            var now = _time.GetUtcNow();
            var changes = new List<(string Key, OccupancyChange State)>();
            var aggregates = new List<OccupancyChange>();
            var watchedKeys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var watched in _ingest.Snapshot(now).GroupBy(s => s.Config.ResourceId is { } r ? r : "area:" + s.Config.AreaId, StringComparer.Ordinal))
            {
                watchedKeys.Add(watched.Key);
                var online = watched.Where(s => s.Online).ToList();
                var deciding = online.Where(s => s.Config.Kind != SensorKind.Co2).ToList();
                var counters = online.Where(s => s.Config.Kind == SensorKind.Counter && s.Count is not null).ToList();
                var occupied = deciding.Any(s => s.Config.Kind switch
                {
                    SensorKind.Pir => s.LastMotionAt is { } motion && now - motion < s.Config.Hold,
                    SensorKind.Counter => s.Count > 0,
                    _ => s.Occupied == true,
                });
                var count = counters.Count > 0 ? counters.Sum(s => s.Count!.Value) : -1;
                var co2 = online.Where(s => s.Co2 is not null).Select(s => s.Co2!.Value).DefaultIfEmpty(0).Max();
                var first = watched.First().Config;
                var cause = deciding.Where(s => s.Occupied is not null || s.Count is not null).Select(s => s.Config.SensorId).FirstOrDefault();
                var state = new OccupancyChange(first.ResourceId, first.AreaId, occupied, count, co2, cause);
                bool changed;
                lock (_recorded)
                {
                    var known = _recorded.TryGetValue(watched.Key, out var last);
                    if (!known && deciding.Count == 0)
                    {
                        continue;
                    }

                    changed = !known || last!.Occupied != occupied || last.Count != count;
                }

                if (changed)
                {
                    changes.Add((watched.Key, state));
                }

                aggregates.AddRange(_windows.Observe(watched.Key, state, now));
            }

            _windows.KeepOnly(watchedKeys);

            // Queued together, in order (aggregates, then changes), so the outbox's group commit writes them with one
            // sync: after a clock step or a long tick a space can close many windows at once.
            var recording = aggregates
                .Select(aggregate => new EdgeEvent(EdgeEventKind.OccupancyAggregate, aggregate.Window!.Start.AddSeconds(aggregate.Window.Seconds), "") { Occupancy = aggregate })
                .Concat(changes.Select(change => new EdgeEvent(EdgeEventKind.OccupancyChanged, now, "") { Occupancy = change.State }))
                .Select(edgeEvent => _recorder.AppendAsync(edgeEvent, cancellationToken))
                .ToList();
            await Task.WhenAll(recording);
            foreach (var (key, state) in changes)
            {
                lock (_recorded)
                {
                    _recorded[key] = state;
                }

                _log.LogInformation("Occupancy of {Watched}: {State} (count {Count})", key, state.Occupied ? "occupied" : "vacant", state.Count);
            }

            return changes.Count;
        }
        finally
        {
            _evaluating.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(Tick, stoppingToken);
                await EvaluateAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }
    }

    public override void Dispose()
    {
        _ingest.Received -= Wake;
        _wake.Dispose();
        _evaluating.Dispose();
        base.Dispose();
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already woken: one evaluation covers every message since.
            }
        }
    }
}
