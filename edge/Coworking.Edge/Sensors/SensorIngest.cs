using System.Buffers;
using System.Text;
using Coworking.Edge.Sensors.Adapters;

namespace Coworking.Edge.Sensors;

/// <summary>One sensor as /status shows it.</summary>
/// <param name="State">online, offline (unheard for its timeout, or it or its bridge said so) or unknown (never heard).</param>
public sealed record SensorStatus(
    string SensorId,
    string Name,
    string Kind,
    string Adapter,
    string Topic,
    string Watched,
    string State,
    DateTimeOffset? LastMessageAt,
    string? LastPayload,
    int? Battery,
    int? LinkQuality,
    bool? Occupied,
    int? Count,
    double? Co2,
    double? Illuminance);

/// <summary>The sensors part of the edge's /status.</summary>
/// <param name="Mode">embedded, external or none.</param>
/// <param name="Connected">The embedded broker is listening, or the edge is connected to the building's broker.</param>
/// <param name="Bridges">What each Zigbee2MQTT bridge last said of itself, by base topic (online or offline).</param>
/// <param name="Candidates">Sensors Home Assistant discovery configs announce, for the installer to configure at the hub.</param>
/// <param name="BrokerProblem">Why the edge is not connected to the building's broker (refused, unreachable, an untrusted certificate); null when it is.</param>
public sealed record SensorsStatus(
    string Mode,
    bool Connected,
    string? BrokerProblem,
    long Messages,
    long UnknownTopics,
    long MalformedPayloads,
    IReadOnlyList<SensorStatus> Sensors,
    IReadOnlyDictionary<string, string> Bridges,
    IReadOnlyList<IngestProblem> RecentProblems,
    IReadOnlyList<SensorCandidate> Candidates);

/// <summary>A sensor with what is known of it at one instant, for occupancy.</summary>
internal sealed record SensorSnapshot(SensorConfig Config, bool Online, bool? Occupied, DateTimeOffset? LastMotionAt, int? Count, double? Co2);

/// <summary>
/// Where every MQTT message arrives, whichever broker delivered it: finds the configured sensor by topic, reads the
/// payload with the sensor's adapter and keeps what it said. A message for no sensor, or one its adapter cannot read,
/// is counted and listed (<see cref="IngestProblems"/>), never thrown.
/// </summary>
public sealed class SensorIngest
{
    private const string AvailabilitySuffix = "/availability";
    private const int PayloadShown = 200;
    private const int CandidatesKept = 500;

    private readonly ISensorCatalog _catalog;
    private readonly SensorOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SensorState> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _bridges = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SensorCandidate> _candidates = new(StringComparer.Ordinal);
    private IReadOnlyCollection<SensorConfig>? _mappedFrom;
    private Dictionary<string, SensorConfig> _byTopic = new(StringComparer.Ordinal);
    private long _messages;
    private volatile bool _connected;
    private string? _brokerProblem;

    public SensorIngest(ISensorCatalog catalog, SensorOptions options, TimeProvider time)
    {
        _catalog = catalog;
        _options = options;
        _time = time;
        Problems = new IngestProblems(options.ProblemsKept);
    }

    /// <summary>Raised after every message the edge could use, outside the lock.</summary>
    public event Action? Received;

    public IngestProblems Problems { get; }

    public long Messages => Interlocked.Read(ref _messages);

    /// <summary>Set by the broker or the client: the edge can hear sensors now.</summary>
    public bool Connected
    {
        get => _connected;
        set => _connected = value;
    }

    /// <summary>Set by the building's broker client: why its last connection attempt failed, null once connected.</summary>
    public string? BrokerProblem
    {
        get => Volatile.Read(ref _brokerProblem);
        set => Volatile.Write(ref _brokerProblem, value);
    }

    public void Receive(string topic, ReadOnlySequence<byte> payload)
    {
        if (payload.IsSingleSegment)
        {
            Receive(topic, payload.FirstSpan);
        }
        else
        {
            Receive(topic, payload.ToArray());
        }
    }

    public void Receive(string topic, ReadOnlySpan<byte> payload)
    {
        var now = _time.GetUtcNow();
        Interlocked.Increment(ref _messages);
        bool used;
        lock (_lock)
        {
            used = Route(topic, payload, now);
        }

        if (used)
        {
            Received?.Invoke();
        }
    }

    public SensorsStatus Status()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            Remap();
            var sensors = _mappedFrom!.OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.SensorId, StringComparer.Ordinal).Select(config =>
            {
                var state = _states.GetValueOrDefault(config.SensorId);
                return new SensorStatus(config.SensorId, config.Name, config.Kind.ToWireName(), config.Adapter.ToWireName(), config.EffectiveTopic,
                    config.Watched, StateName(config, state, now), state?.LastMessageAt, state?.LastPayload, state?.Battery, state?.LinkQuality,
                    state?.Occupied, state?.Count, state?.Co2, state?.Illuminance);
            }).ToList();
            var bridges = _bridges.ToDictionary(b => b.Key, b => b.Value ? "online" : "offline", StringComparer.Ordinal);
            var candidates = _candidates.Values.OrderBy(c => c.StateTopic, StringComparer.Ordinal).ThenBy(c => c.DiscoveryTopic, StringComparer.Ordinal)
                .Select(c => c with { Configured = _byTopic.ContainsKey(c.StateTopic) }).ToList();
            return new SensorsStatus(_options.Mode, Connected, BrokerProblem, Messages, Problems.UnknownTopics, Problems.MalformedPayloads, sensors, bridges, Problems.Recent(), candidates);
        }
    }

    /// <summary>Every configured sensor with what it last said and whether it is online now.</summary>
    internal IReadOnlyList<SensorSnapshot> Snapshot(DateTimeOffset now)
    {
        lock (_lock)
        {
            Remap();
            return [.. _mappedFrom!.Select(config =>
            {
                var state = _states.GetValueOrDefault(config.SensorId);
                return new SensorSnapshot(config, StateName(config, state, now) == "online", state?.Occupied, state?.LastMotionAt, state?.Count, state?.Co2);
            })];
        }
    }

    private bool Route(string topic, ReadOnlySpan<byte> payload, DateTimeOffset now)
    {
        Remap();
        if (_byTopic.TryGetValue(topic, out var sensor))
        {
            var result = sensor.Adapter switch
            {
                SensorAdapter.Zigbee2Mqtt => Zigbee2MqttAdapter.Read(payload),
                SensorAdapter.PeopleCounter => PeopleCounterAdapter.Read(payload),
                _ => CoworkingSchemeAdapter.Read(payload),
            };
            return Apply(sensor, topic, payload, result, now);
        }

        if (topic.EndsWith(AvailabilitySuffix, StringComparison.Ordinal) && _byTopic.TryGetValue(topic[..^AvailabilitySuffix.Length], out sensor))
        {
            return Apply(sensor, topic, payload, JsonFields.Availability(payload), now);
        }

        if (BridgeBase(topic) is { } bridge && topic.AsSpan(bridge.Length).StartsWith("/bridge/", StringComparison.Ordinal))
        {
            if (!topic.EndsWith(Zigbee2MqttAdapter.BridgeState, StringComparison.Ordinal))
            {
                // The bridge's other topics (info, devices, logging…) are its own business.
                return false;
            }

            switch (JsonFields.Availability(payload))
            {
                case AdapterResult.Availability availability:
                    _bridges[bridge] = availability.Online;
                    return true;
                case AdapterResult.Malformed malformed:
                    Problems.Malformed(now, topic, malformed.Reason);
                    return false;
            }
        }

        if (HomeAssistantDiscovery.IsConfigTopic(topic))
        {
            Discover(topic, payload, now);
            return false;
        }

        Problems.UnknownTopic(now, topic);
        return false;
    }

    private void Discover(string topic, ReadOnlySpan<byte> payload, DateTimeOffset now)
    {
        var candidate = HomeAssistantDiscovery.Read(topic, payload, out var problem);
        if (problem is not null)
        {
            Problems.Malformed(now, topic, problem);
        }

        if (candidate is null)
        {
            _candidates.Remove(topic);
        }
        else if (_candidates.Count < CandidatesKept || _candidates.ContainsKey(topic))
        {
            _candidates[topic] = candidate;
        }
    }

    private bool Apply(SensorConfig sensor, string topic, ReadOnlySpan<byte> payload, AdapterResult result, DateTimeOffset now)
    {
        if (result is AdapterResult.Malformed malformed)
        {
            Problems.Malformed(now, topic, malformed.Reason);
            return false;
        }

        if (!_states.TryGetValue(sensor.SensorId, out var state))
        {
            state = new SensorState();
            _states[sensor.SensorId] = state;
        }

        state.LastMessageAt = now;
        state.LastPayload = Shown(payload);
        switch (result)
        {
            case AdapterResult.Availability availability:
                state.Available = availability.Online;
                break;
            case AdapterResult.Reading reading:
                // A sensor that speaks is reachable, whatever its availability topic said before.
                state.Available = true;
                state.Apply(reading.Values, now);
                break;
        }

        return true;
    }

    private string StateName(SensorConfig config, SensorState? state, DateTimeOffset now)
    {
        if (state?.LastMessageAt is not { } heard)
        {
            return "unknown";
        }

        var bridgeDown = config.Adapter == SensorAdapter.Zigbee2Mqtt && BridgeBase(config.EffectiveTopic) is { } bridge && _bridges.TryGetValue(bridge, out var up) && !up;
        return state.Available == false || bridgeDown || now - heard > config.Timeout ? "offline" : "online";
    }

    /// <summary>The Zigbee2MQTT base topic <paramref name="topic"/> is under: "zigbee2mqtt", or the first level of a configured Zigbee2MQTT sensor's topic.</summary>
    private string? BridgeBase(string topic)
    {
        var slash = topic.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return null;
        }

        var candidate = topic[..slash];
        return candidate == Zigbee2MqttAdapter.BaseTopic
            || _mappedFrom!.Any(s => s.Adapter == SensorAdapter.Zigbee2Mqtt && s.EffectiveTopic.StartsWith(candidate + "/", StringComparison.Ordinal))
            ? candidate
            : null;
    }

    private void Remap()
    {
        var sensors = _catalog.Sensors;
        if (ReferenceEquals(sensors, _mappedFrom))
        {
            return;
        }

        var byTopic = new Dictionary<string, SensorConfig>(StringComparer.Ordinal);
        foreach (var sensor in sensors)
        {
            if (sensor.EffectiveTopic.Length > 0)
            {
                byTopic[sensor.EffectiveTopic] = sensor;
            }
        }

        foreach (var gone in _states.Keys.Where(id => !sensors.Any(s => s.SensorId == id)).ToList())
        {
            _states.Remove(gone);
        }

        _byTopic = byTopic;
        _mappedFrom = sensors;
    }

    private static string Shown(ReadOnlySpan<byte> payload)
    {
        var text = Encoding.UTF8.GetString(payload[..Math.Min(payload.Length, PayloadShown * 4)]);
        return text.Length > PayloadShown ? text[..PayloadShown] + "…" : text;
    }
}
