namespace Coworking.Edge.Status;

/// <param name="Enrolled">The edge holds a credential for a hub.</param>
/// <param name="Connected">The stream to the hub is up and the hub answered its hello.</param>
/// <param name="Hub">The hub address of the current or last stream.</param>
/// <param name="LastContactAt">When the hub last sent anything.</param>
/// <param name="ClockSkewMs">The edge's clock minus the hub's, as the hub measured it at the last heartbeat.</param>
/// <param name="SnapshotChanges">Changes of a snapshot being received, not yet applied; 0 when none is.</param>
/// <param name="LastError">Why the last stream ended, if it did.</param>
public sealed record SyncStatus(
    bool Enrolled, string? EdgeId, bool Connected, string? Hub, DateTimeOffset? ConnectedSince, DateTimeOffset? LastContactAt,
    long? ClockSkewMs, long SnapshotChanges, long EventsUploaded, long Reconnects, string? LastError);

/// <summary>The hub link tells the status page how it is.</summary>
public interface ISyncStatusSource
{
    SyncStatus Sync { get; }
}
