using Coworking.Edge.Outbox;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coworking.Edge.Sensors;

/// <summary>What a watched resource or area reported last: occupied or not, people counted (-1 without a counter), CO2 (0 without a sensor).</summary>
public sealed record OccupancyChange(string? ResourceId, string? AreaId, bool Occupied, int Count, double Co2Ppm, string? SensorId);

/// <summary>
/// Occupancy per watched resource (or area) from its sensors (ARCHITECTURE §11), as a reconcile loop: after every
/// usable message and once a second it works out each one's state from what its online sensors last said, and
/// records a change to the outbox when it differs from what was last recorded. A PIR counts as occupied until its
/// hold time passes without motion; presence and desk sensors count exactly as they say; counters give the count
/// and occupy above zero; CO2 is carried along but never decides. An offline sensor counts for nothing. A watched
/// space is first recorded once one of its sensors is heard, so a restart does not report everything vacant.
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

    /// <summary>Works out every watched space's state now and records those that changed; returns how many did.</summary>
    public async Task<int> EvaluateAsync(CancellationToken cancellationToken)
    {
        await _evaluating.WaitAsync(cancellationToken);
        try
        {
            var now = _time.GetUtcNow();
            var changes = new List<(string Key, OccupancyChange State)>();
            foreach (var watched in _ingest.Snapshot(now).GroupBy(s => s.Config.ResourceId is { } r ? r : "area:" + s.Config.AreaId, StringComparer.Ordinal))
            {
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
                lock (_recorded)
                {
                    var known = _recorded.TryGetValue(watched.Key, out var last);
                    if (!known && deciding.Count == 0)
                    {
                        continue;
                    }

                    if (known && last!.Occupied == occupied && last.Count == count)
                    {
                        continue;
                    }
                }

                var cause = deciding.Where(s => s.Occupied is not null || s.Count is not null).Select(s => s.Config.SensorId).FirstOrDefault();
                changes.Add((watched.Key, new OccupancyChange(first.ResourceId, first.AreaId, occupied, count, co2, cause)));
            }

            foreach (var (key, state) in changes)
            {
                await _recorder.AppendAsync(new EdgeEvent(EdgeEventKind.OccupancyChanged, now, "") { Occupancy = state }, cancellationToken);
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
