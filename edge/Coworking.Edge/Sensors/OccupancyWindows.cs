namespace Coworking.Edge.Sensors;

/// <summary>
/// Sums each watched space up per 5-minute UTC window (ARCHITECTURE §11): seconds occupied, the most people counted,
/// CO2's mean and highest reading. <see cref="OccupancyTracker"/> feeds it the state it works out every second; when
/// a boundary passes the window is handed back, to go up the outbox like a state change. A space's first window starts
/// when the edge first knew its state (after a restart, mid-window), and says so by its start and length.
/// </summary>
internal sealed class OccupancyWindows
{
    public static readonly TimeSpan Length = TimeSpan.FromMinutes(5);

    private readonly Dictionary<string, Window> _open = new(StringComparer.Ordinal);

    /// <summary>Takes the state of <paramref name="key"/> at <paramref name="now"/>; the windows that ended since the last call, oldest first.</summary>
    public IReadOnlyList<OccupancyChange> Observe(string key, OccupancyChange state, DateTimeOffset now)
    {
        if (!_open.TryGetValue(key, out var window))
        {
            _open[key] = new Window(now, state);
            return [];
        }

        var ended = new List<OccupancyChange>();
        while (window.End <= now)
        {
            window.RunTo(window.End);
            ended.Add(window.Close());
            window = new Window(window.End, window.State);
            _open[key] = window;
        }

        window.RunTo(now);
        window.Take(state);
        return ended;
    }

    /// <summary>Forgets the spaces no sensor watches any more.</summary>
    public void KeepOnly(IReadOnlySet<string> keys)
    {
        foreach (var gone in _open.Keys.Where(k => !keys.Contains(k)).ToList())
        {
            _open.Remove(gone);
        }
    }

    private static DateTimeOffset NextBoundary(DateTimeOffset at) =>
        new(at.UtcTicks - (at.UtcTicks % Length.Ticks) + Length.Ticks, TimeSpan.Zero);

    private sealed class Window
    {
        private readonly DateTimeOffset _start;
        private DateTimeOffset _reached;
        private double _occupiedSeconds;
        private int _peak;
        private double _co2Sum;
        private int _co2Readings;
        private double _co2Max;

        public Window(DateTimeOffset start, OccupancyChange state)
        {
            _start = start;
            _reached = start;
            End = NextBoundary(start);
            State = state;
            _peak = -1;
            Take(state);
        }

        public DateTimeOffset End { get; }

        public OccupancyChange State { get; private set; }

        /// <summary>The state held from where the window had reached until <paramref name="at"/>.</summary>
        public void RunTo(DateTimeOffset at)
        {
            if (State.Occupied && at > _reached)
            {
                _occupiedSeconds += (at - _reached).TotalSeconds;
            }

            _reached = at > _reached ? at : _reached;
        }

        public void Take(OccupancyChange state)
        {
            State = state;
            _peak = Math.Max(_peak, state.Count);
            if (state.Co2Ppm > 0)
            {
                _co2Sum += state.Co2Ppm;
                _co2Readings++;
                _co2Max = Math.Max(_co2Max, state.Co2Ppm);
            }
        }

        public OccupancyChange Close()
        {
            var seconds = (int)Math.Round((End - _start).TotalSeconds);
            var figures = new OccupancyWindow(_start, seconds, Math.Min(seconds, (int)Math.Round(_occupiedSeconds)), _peak,
                _co2Readings > 0 ? Math.Round(_co2Sum / _co2Readings, 1) : 0, _co2Max);
            return State with { SensorId = null, Window = figures };
        }
    }
}
