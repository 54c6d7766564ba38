namespace Coworking.Hub.Sensors;

/// <summary>The "Sensors" section: how long raw samples are kept and how often the sensor jobs run (docs/SENSORS.md).</summary>
public sealed class SensorOptions
{
    public const string Section = "Sensors";

    /// <summary>Raw samples are kept this long, then dropped a whole month at a time; the 15-minute rollups are kept.</summary>
    public TimeSpan RawRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Month partitions are made this many months ahead of the current one.</summary>
    public int PartitionsAhead { get; set; } = 2;

    /// <summary>How often the partition job makes partitions ahead and drops those past the retention.</summary>
    public TimeSpan PartitionInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How often the utilisation rollup counts what changed.</summary>
    public TimeSpan RollupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the no-show policy looks for bookings to release.</summary>
    public TimeSpan NoShowInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How far back the very first rollup of a database counts bookings and samples.</summary>
    public TimeSpan FirstRollupLookBack { get; set; } = TimeSpan.FromDays(7);
}
