using Coworking.Proto.V1;

namespace Coworking.Edge.Bridges;

/// <summary>What a bridge reports: the edge's /status and its heartbeat to the hub (EdgeHealth.bridges).</summary>
/// <param name="Vendor">kisi, salto_ks or brivo.</param>
/// <param name="State">not_configured (no account or no doors), in_step, reconciling or failing.</param>
/// <param name="QueueDepth">Changes worked out and not yet taken by the vendor.</param>
/// <param name="RateLimited">How often the vendor answered 429 since the edge started.</param>
public sealed record BridgeStatus(
    string Vendor, string State, int Doors, DateTimeOffset? LastReconcileAt, int QueueDepth, string? LastError, long Calls, long RateLimited);

/// <summary>
/// One vendor's bridge (ARCHITECTURE §12): keeps the vendor's users and time-scoped access for the location's doors of that
/// vendor in step with the grant cache, unlocks those doors through the vendor's API, and turns its events into access events.
/// </summary>
public interface IVendorBridge
{
    string Vendor { get; }

    BridgeStatus Status { get; }

    /// <summary>The hub's ids of the doors this bridge drives now (a configured account and the door's controller).</summary>
    IReadOnlyCollection<string> DoorIds { get; }

    /// <summary>Something the desired state depends on changed (a batch was applied): reconcile soon.</summary>
    void Nudge();

    /// <summary>Releases the door through the vendor; false when the vendor did not take it.</summary>
    Task<bool> UnlockAsync(string doorId, TimeSpan duration, CancellationToken cancellationToken);
}

/// <summary>Every bridge of the edge, as the hub link and remote unlock see them.</summary>
public sealed class VendorBridges(IEnumerable<IVendorBridge> bridges)
{
    private readonly IVendorBridge[] _bridges = [.. bridges];

    public IReadOnlyList<BridgeStatus> Statuses => [.. _bridges.Select(b => b.Status)];

    public IEnumerable<string> DoorIds => _bridges.SelectMany(b => b.DoorIds);

    public void Nudge()
    {
        foreach (var bridge in _bridges)
        {
            bridge.Nudge();
        }
    }

    public IVendorBridge? BridgeOf(string doorId) => _bridges.FirstOrDefault(b => b.DoorIds.Contains(doorId));

    /// <summary>The heartbeat's bridges: those with doors or an account at work; a vendor the location does not use stays out.</summary>
    public IEnumerable<BridgeHealth> Health() => _bridges.Select(b => b.Status).Where(s => s.Doors > 0 || s.State != "not_configured").Select(s => new BridgeHealth
    {
        Vendor = s.Vendor,
        LastReconcileAt = s.LastReconcileAt is { } at ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(at) : null,
        QueueDepth = s.QueueDepth,
        LastError = s.LastError ?? "",
        Doors = s.Doors,
    });
}
