namespace Coworking.Edge.EdgeSync;

/// <summary>The "Edge:Sync" section: how the edge keeps its stream to the hub up (docs/SYNC.md).</summary>
public sealed class EdgeSyncOptions
{
    public const string Section = "Edge:Sync";

    /// <summary>
    /// Hub EdgeSync addresses to try in turn; when empty, the one the edge enrolled with. Several hub
    /// instances behind no load balancer are listed here, and an edge moves to the next when one stops.
    /// </summary>
    public List<string> HubUrls { get; set; } = [];

    /// <summary>An HTTP/2 ping is sent after this long without a frame from the hub…</summary>
    public int KeepAlivePingDelayMs { get; set; } = 5000;

    /// <summary>…and the connection is dropped when its answer takes longer than this: a dead link is noticed within seconds.</summary>
    public int KeepAlivePingTimeoutMs { get; set; } = 5000;

    /// <summary>The first retry after a lost stream waits up to this (full jitter), doubling per failure…</summary>
    public int ReconnectMinDelayMs { get; set; } = 500;

    /// <summary>…up to this.</summary>
    public int ReconnectMaxDelayMs { get; set; } = 30_000;

    /// <summary>Events per upload batch.</summary>
    public int UploadBatchSize { get; set; } = 1000;

    /// <summary>Upload batches sent and not yet acknowledged at most.</summary>
    public int UploadWindow { get; set; } = 4;
}
