namespace Coworking.Edge.Sensors;

/// <summary>What the edge last heard from one sensor. Changed only under <see cref="SensorIngest"/>'s lock.</summary>
internal sealed class SensorState
{
    public DateTimeOffset? LastMessageAt { get; set; }

    public string? LastPayload { get; set; }

    /// <summary>What the sensor's (or its bridge's) availability topic last said; null when it never said.</summary>
    public bool? Available { get; set; }

    public int? Battery { get; set; }

    public int? LinkQuality { get; set; }

    /// <summary>Motion (PIR) or presence as last reported.</summary>
    public bool? Occupied { get; set; }

    /// <summary>The last time a PIR reported motion.</summary>
    public DateTimeOffset? LastMotionAt { get; set; }

    public int? Count { get; set; }

    public IReadOnlyDictionary<string, int>? RegionCounts { get; set; }

    public double? Co2 { get; set; }

    public double? Illuminance { get; set; }

    public void Apply(SensorReading reading, DateTimeOffset at)
    {
        Occupied = reading.Occupied ?? Occupied;
        if (reading.Occupied == true)
        {
            LastMotionAt = at;
        }

        Count = reading.Count ?? Count;
        RegionCounts = reading.RegionCounts ?? RegionCounts;
        Co2 = reading.Co2 ?? Co2;
        Illuminance = reading.Illuminance ?? Illuminance;
        Battery = reading.Battery ?? Battery;
        LinkQuality = reading.LinkQuality ?? LinkQuality;
    }
}
