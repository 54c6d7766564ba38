namespace Coworking.Edge.Sensors;

/// <summary>
/// What one message said, each value only when the message carried it. <see cref="Occupied"/> is motion for a PIR,
/// presence for a presence or desk sensor; <see cref="Count"/> is a people counter's total.
/// </summary>
public sealed record SensorReading
{
    public bool? Occupied { get; init; }

    public int? Count { get; init; }

    /// <summary>Per-region counts of a people counter, by region name.</summary>
    public IReadOnlyDictionary<string, int>? RegionCounts { get; init; }

    /// <summary>CO2 in ppm.</summary>
    public double? Co2 { get; init; }

    /// <summary>Illuminance in lux.</summary>
    public double? Illuminance { get; init; }

    /// <summary>Battery in percent.</summary>
    public int? Battery { get; init; }

    public int? LinkQuality { get; init; }
}

/// <summary>What an adapter made of one message.</summary>
public abstract record AdapterResult
{
    private AdapterResult()
    {
    }

    /// <summary>A measurement.</summary>
    public sealed record Reading(SensorReading Values) : AdapterResult;

    /// <summary>The sensor (or its bridge) says whether it is reachable.</summary>
    public sealed record Availability(bool Online) : AdapterResult;

    /// <summary>The payload is not what the adapter reads; <paramref name="Reason"/> says why.</summary>
    public sealed record Malformed(string Reason) : AdapterResult;
}
