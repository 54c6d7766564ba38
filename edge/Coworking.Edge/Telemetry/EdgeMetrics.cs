using System.Diagnostics;
using System.Diagnostics.Metrics;
using Coworking.Edge.Bridges;
using Coworking.Edge.Decisions;
using Coworking.Edge.Outbox;
using Coworking.Edge.Sensors;
using Coworking.Edge.Status;

namespace Coworking.Edge.Telemetry;

/// <summary>
/// The edge's instruments (meter <see cref="MeterName"/>): every decision by result and reason with how long it took to be
/// decided and on disk, and — read from the running parts when scraped — the outbox depth, each reader's online state, the
/// link to the hub, MQTT messages and each vendor bridge's calls and failures. Exported on the status port's <c>/metrics</c>
/// (docs/EDGE.md §6, docs/OPERATIONS.md). The parts are looked up at scrape time, so this has no dependencies of its own and
/// the access path can take it without a cycle.
/// </summary>
public sealed class EdgeMetrics : IDisposable
{
    public const string MeterName = "Coworking.Edge";

    // A decision from memory takes microseconds; its durable record a disk sync, milliseconds; a slow disk shows beyond.
    private static readonly double[] DecisionBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _decisions;
    private readonly Histogram<double> _decisionDuration;

    public EdgeMetrics(IServiceProvider services)
    {
        _decisions = _meter.CreateCounter<long>("coworking.edge.decisions", "{decision}", "Access decisions by result (granted, denied, waiting for a PIN) and reason");
        _decisionDuration = _meter.CreateHistogram("coworking.edge.decision.duration", "s", "From the presentation to the decision recorded on disk, before the strike moves",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DecisionBuckets });
        _meter.CreateObservableGauge("coworking.edge.outbox.depth", () => services.GetService<EventOutbox>()?.Depth ?? 0, "{event}", "Events recorded and not yet acknowledged by the hub");
        _meter.CreateObservableGauge("coworking.edge.reader.online", () => Readers(services), "1", "1 while the reader answers the edge, 0 while it is offline");
        _meter.CreateObservableGauge("coworking.edge.hub.connected", () => Sync(services) is { Connected: true } ? 1 : 0, "1", "1 while the stream to the hub is open");
        _meter.CreateObservableCounter("coworking.edge.hub.reconnects", () => Sync(services)?.Reconnects ?? 0, "{reconnect}", "Times the edge reconnected to the hub");
        _meter.CreateObservableCounter("coworking.edge.events.uploaded", () => Sync(services)?.EventsUploaded ?? 0, "{event}", "Events the hub acknowledged");
        _meter.CreateObservableGauge("coworking.edge.cache.seq", () => services.GetService<Cache.GrantCache>()?.Index.Seq ?? 0, "{change}", "The last change of the location's log the cache applied");
        _meter.CreateObservableCounter("coworking.edge.mqtt.messages", () => services.GetService<SensorIngest>()?.Messages ?? 0, "{message}", "MQTT messages the sensor ingest received");
        _meter.CreateObservableCounter("coworking.edge.mqtt.refused", () => MqttRefused(services), "{message}", "MQTT messages refused, by problem (unknown_topic, malformed)");
        _meter.CreateObservableGauge("coworking.edge.mqtt.connected", () => services.GetService<SensorIngest>() is { Connected: true } ? 1 : 0, "1", "1 while the embedded broker listens or the building's broker is connected");
        _meter.CreateObservableCounter("coworking.edge.bridge.calls", () => Bridges(services, b => b.Calls), "{call}", "Calls a vendor bridge made to its vendor's API");
        _meter.CreateObservableCounter("coworking.edge.bridge.rate_limited", () => Bridges(services, b => b.RateLimited), "{call}", "Vendor API calls answered 'too many requests'");
        _meter.CreateObservableGauge("coworking.edge.bridge.failing", () => Bridges(services, b => b.State == "failing" ? 1 : 0), "1", "1 while a vendor bridge's last attempt failed (its error is on /status)");
        _meter.CreateObservableGauge("coworking.edge.bridge.queue_depth", () => Bridges(services, b => b.QueueDepth), "{change}", "Changes a vendor bridge has not pushed to its vendor yet");
    }

    /// <summary>Counts one decision, and the time from the presentation until it was on disk.</summary>
    public void Decided(Decision decision, TimeSpan took)
    {
        var result = decision.Reason switch
        {
            DecisionReason.Granted => "granted",
            DecisionReason.PinRequired => "waiting",
            _ => "denied",
        };
        var tags = new TagList { { "result", result }, { "reason", decision.Reason.ToWireName() } };
        _decisions.Add(1, tags);
        _decisionDuration.Record(took.TotalSeconds, tags);
    }

    public void Dispose() => _meter.Dispose();

    private static SyncStatus? Sync(IServiceProvider services) => services.GetService<ISyncStatusSource>()?.Sync;

    private static IEnumerable<Measurement<int>> Readers(IServiceProvider services) =>
        services.GetServices<IReaderStatusSource>().SelectMany(source => source.Readers).Select(r => new Measurement<int>(r.Online ? 1 : 0,
            new KeyValuePair<string, object?>("reader_id", r.ReaderId), new KeyValuePair<string, object?>("door_id", r.DoorId ?? "")));

    private static IEnumerable<Measurement<long>> MqttRefused(IServiceProvider services)
    {
        if (services.GetService<SensorIngest>() is not { } ingest)
        {
            return [];
        }

        return
        [
            new(ingest.Problems.UnknownTopics, new KeyValuePair<string, object?>("problem", "unknown_topic")),
            new(ingest.Problems.MalformedPayloads, new KeyValuePair<string, object?>("problem", "malformed")),
        ];
    }

    private static IEnumerable<Measurement<long>> Bridges(IServiceProvider services, Func<BridgeStatus, long> value) =>
        services.GetService<VendorBridges>()?.Statuses.Select(b => new Measurement<long>(value(b), new KeyValuePair<string, object?>("vendor", b.Vendor))) ?? [];
}
