namespace Coworking.Hub.EdgeSync;

/// <summary>The "EdgeSync" section: the gRPC side of the hub (docs/SYNC.md).</summary>
public sealed class EdgeSyncOptions
{
    public const string Section = "EdgeSync";

    /// <summary>
    /// The certificate authority (PEM) that issued the hub's TLS certificate for the EdgeSync endpoint
    /// (deploy/local/make-edge-ca.sh makes both). Edges trust it alone; without it nothing can enrol.
    /// </summary>
    public string? AuthorityCertificatePath { get; set; }

    /// <summary>The address edges reach the hub's EdgeSync endpoint at, shown with a new enrolment code.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>
    /// How long the change log keeps every entry. Older entries are compacted (each entity keeps only
    /// its newest entry); an edge that applied less than the compacted part gets a snapshot.
    /// </summary>
    public TimeSpan ChangeLogRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often one hub instance compacts the change logs.</summary>
    public TimeSpan CompactionInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often edges send a heartbeat; an edge silent for three of these is shown disconnected.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A heartbeat whose edge clock differs from the hub's by more than this flags the edge (GET /api/v1/edges).</summary>
    public TimeSpan ClockSkewTolerance { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Changes per snapshot chunk.</summary>
    public int SnapshotChunkSize { get; set; } = 2000;

    /// <summary>
    /// The most changes in one change batch. Live changes come a few at a time; this bounds a catch-up's
    /// batches, where each costs the edge one durable commit (about 750 KB at 5,000 changes).
    /// </summary>
    public int BatchSize { get; set; } = 5000;

    /// <summary>How long a new enrolment code is valid unless the operator asks otherwise.</summary>
    public TimeSpan EnrolmentCodeLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Reads the change log again this often even without a notification, in case one was lost with a
    /// database connection.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a remote unlock waits for the edge's answer before the API says it did not come (and the command expires).</summary>
    public TimeSpan RemoteUnlockTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often an edge stream looks for door commands even without a notification.</summary>
    public TimeSpan DoorCommandPollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
