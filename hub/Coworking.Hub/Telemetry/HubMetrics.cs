using System.Diagnostics.Metrics;
using Coworking.Hub.Database;

namespace Coworking.Hub.Telemetry;

/// <summary>
/// The hub's own instruments (meter <see cref="MeterName"/>), beside ASP.NET Core's request metrics and the runtime's:
/// what the hub did (bookings made, Stripe webhooks by result, billing runs) as counters in this process, and what the
/// database says now (edges connected, each edge's change-log lag, the mail outbox) as gauges that
/// <see cref="MetricsSampler"/> reads for the whole cluster. Exported on <c>/metrics</c> (Prometheus) and by OTLP when
/// configured (docs/OPERATIONS.md).
/// </summary>
internal sealed class HubMetrics : IDisposable
{
    public const string MeterName = "Coworking.Hub";

    private readonly Meter _meter = new(MeterName);
    private volatile MetricsSample _sample = MetricsSample.Empty;

    public HubMetrics()
    {
        BookingsCreated = _meter.CreateCounter<long>("coworking.bookings.created", "{booking}", "Bookings made, by who made them (staff or member)");
        Webhooks = _meter.CreateCounter<long>("coworking.webhooks.received", "{event}", "Stripe webhook events by outcome (applied, ignored, already_processed, refused)");
        BillingRuns = _meter.CreateCounter<long>("coworking.billing.runs", "{run}", "Invoice runs this instance finished");
        EventsIngested = _meter.CreateCounter<long>("coworking.edge.events.ingested", "{event}", "Events edges uploaded, by outcome (stored, rejected: can never be stored)");
        _meter.CreateObservableGauge("coworking.edges.connected", () => _sample.EdgesConnected, "{edge}", "Enrolled edges with a stream open to a hub instance");
        _meter.CreateObservableGauge(
            "coworking.edge.change_log.lag",
            () => _sample.Lag.Select(l => new Measurement<long>(l.Behind, new KeyValuePair<string, object?>("edge_id", l.EdgeId.ToString()), new KeyValuePair<string, object?>("location_id", l.LocationId.ToString()))),
            "{change}",
            "Changes of its location's log a connected edge has not applied yet");
        _meter.CreateObservableGauge("coworking.mail.outbox.depth", () => _sample.MailWaiting, "{message}", "E-mails waiting to be sent (not sent, not given up)");
        _meter.CreateObservableGauge("coworking.reports.replica.lag", () => ReplicaLag(s => s.LagSeconds), "s", "How far the reports replica is behind the primary (absent without a replica)");
        _meter.CreateObservableGauge("coworking.reports.replica.lag_bytes", () => ReplicaLag(s => s.LagBytes), "By", "WAL the primary wrote that the reports replica has not replayed");
        _meter.CreateObservableGauge("coworking.metrics.sampled_age", () => _sample.Age(), "s", "Seconds since the gauges were last read from the database");
    }

    public Counter<long> BookingsCreated { get; }

    public Counter<long> Webhooks { get; }

    public Counter<long> BillingRuns { get; }

    public Counter<long> EventsIngested { get; }

    /// <summary>Counts one uploaded batch: what was stored (a resent event counts again; the database keeps it once) and what never can be.</summary>
    public void Ingested(int stored, int rejected)
    {
        if (stored > 0)
        {
            EventsIngested.Add(stored, new KeyValuePair<string, object?>("outcome", "stored"));
        }

        if (rejected > 0)
        {
            EventsIngested.Add(rejected, new KeyValuePair<string, object?>("outcome", "rejected"));
        }
    }

    /// <summary>The gauges' values as last read from the database.</summary>
    public void Publish(MetricsSample sample) => _sample = sample;

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<double>> ReplicaLag(Func<ReportsSourceStatus, double?> value) =>
        _sample.Reports is { Source: "replica" } status && value(status) is { } lag ? [new Measurement<double>(lag)] : [];
}

/// <summary>One edge's change-log lag: its location's last seq minus what it applied.</summary>
internal readonly record struct EdgeLag(Guid EdgeId, Guid LocationId, long Behind);

/// <summary>What the gauges report, read at <see cref="SampledAt"/>.</summary>
internal sealed record MetricsSample(long EdgesConnected, IReadOnlyList<EdgeLag> Lag, long MailWaiting, DateTimeOffset? SampledAt, TimeProvider? Clock,
    ReportsSourceStatus? Reports = null)
{
    public static MetricsSample Empty { get; } = new(0, [], 0, null, null);

    public double Age() => SampledAt is { } at && Clock is { } clock ? (clock.GetUtcNow() - at).TotalSeconds : double.NaN;
}
