namespace Coworking.Edge.Configuration;

/// <summary>The edge's settings, bound from the "Edge" section of appsettings.json or EDGE__* variables.</summary>
public sealed class EdgeOptions
{
    public const string Section = "Edge";

    /// <summary>Where the grant cache and the outbox live; must be on a journaling file system (docs/EDGE.md).</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>The installer's status endpoint (/healthz, /status); keep it on a local or service address.</summary>
    public string StatusUrl { get; set; } = "http://127.0.0.1:8081";

    public PinLimitOptions PinLimits { get; set; } = new();

    /// <summary>How long after a card at a card-and-PIN door the reader waits for its PIN.</summary>
    public int PinEntrySeconds { get; set; } = 15;

    public OutboxOptions Outbox { get; set; } = new();

    public GpioOptions Gpio { get; set; } = new();

    /// <summary>MQTT occupancy sensors (docs/SENSORS.md).</summary>
    public Sensors.SensorOptions Sensors { get; set; } = new();

    public string CachePath => Path.Combine(DataDirectory, "cache.db");

    public string OutboxPath => Path.Combine(DataDirectory, "outbox.db");

    /// <summary>The wrong-PIN counts and lock-outs, kept across restarts.</summary>
    public string PinAttemptsPath => Path.Combine(DataDirectory, "pin-attempts.db");

    /// <summary>Which first-person-in doors staff have opened for today's window, kept across restarts.</summary>
    public string FirstPersonInPath => Path.Combine(DataDirectory, "first-person-in.db");
}

/// <summary>How many wrong PINs a reader, a card, or the whole edge may see before it is locked out.</summary>
public sealed class PinLimitOptions
{
    public int MaxFailures { get; set; } = 5;

    public int WindowSeconds { get; set; } = 60;

    public int LockoutSeconds { get; set; } = 300;

    /// <summary>Wrong PINs at all readers together, inside <see cref="EdgeWindowSeconds"/>, before every bare PIN is refused.</summary>
    public int EdgeMaxFailures { get; set; } = 30;

    public int EdgeWindowSeconds { get; set; } = 600;

    public int EdgeLockoutSeconds { get; set; } = 600;
}

public sealed class OutboxOptions
{
    /// <summary>
    /// The most events one group commit takes; 1 turns group commit into one flush per event.
    /// </summary>
    public int MaxBatch { get; set; } = 256;

    /// <summary>
    /// Events per segment of the outbox: acknowledged events are dropped a whole segment at a time, so this
    /// many events' worth of acknowledged ones may wait on disk for the rest of their segment.
    /// </summary>
    public int SegmentSize { get; set; } = 4096;

    /// <summary>
    /// The disk budget of the outbox's data file, in bytes (default 256 MiB: weeks of a busy building's events).
    /// Once the unacknowledged events take 40 % of it (LiteDB's pages, indexes, free space and a compaction's copy take
    /// the rest), the oldest sensor readings are dropped until they take under 35 %; access decisions and door events are never
    /// dropped, even past the budget (docs/EDGE.md, "Outbox budget").
    /// </summary>
    public long MaxBytes { get; set; } = 256L * 1024 * 1024;
}

/// <summary>Doors wired straight to the edge box's GPIO header.</summary>
public sealed class GpioOptions
{
    /// <summary>"none" (no GPIO doors), "system" (the board's GPIO chip) or "simulated" (demo without hardware).</summary>
    public string Driver { get; set; } = "none";

    public List<GpioDoorOptions> Doors { get; set; } = [];
}

public sealed class GpioDoorOptions
{
    /// <summary>The hub's door id this wiring belongs to.</summary>
    public string DoorId { get; set; } = "";

    /// <summary>Output pin driving the strike or mag-lock relay.</summary>
    public int StrikePin { get; set; }

    /// <summary>True when driving the pin high energises the relay that releases the door.</summary>
    public bool StrikeActiveHigh { get; set; } = true;

    /// <summary>Door position switch input; absent when the door has none.</summary>
    public int? ContactPin { get; set; }

    /// <summary>True when the contact input reads high while the door stands open.</summary>
    public bool ContactOpenHigh { get; set; } = true;

    /// <summary>Request-to-exit button input; absent when the door has none.</summary>
    public int? RexPin { get; set; }

    /// <summary>True when the REX input reads high while pressed (most buttons pull the line low).</summary>
    public bool RexActiveHigh { get; set; }

    /// <summary>How long an input must stay at a level before it counts.</summary>
    public int DebounceMs { get; set; } = 50;
}
