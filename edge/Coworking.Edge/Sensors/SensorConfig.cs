namespace Coworking.Edge.Sensors;

/// <summary>What a sensor senses, and so how it counts towards occupancy (ARCHITECTURE §11).</summary>
public enum SensorKind
{
    /// <summary>Motion: occupied until the hold time passes without motion.</summary>
    Pir,
    /// <summary>Presence (mmWave and the like): occupied exactly while it says so.</summary>
    Presence,
    /// <summary>Desk pressure or seat sensor: occupied exactly while it says so.</summary>
    Desk,
    /// <summary>Air quality: recorded, never decides occupancy alone.</summary>
    Co2,
    /// <summary>People counter: gives a count; occupied while it is above zero.</summary>
    Counter,
}

/// <summary>The payload shape a sensor publishes.</summary>
public enum SensorAdapter
{
    /// <summary><c>zigbee2mqtt/&lt;friendly_name&gt;</c> JSON, with <c>…/availability</c>.</summary>
    Zigbee2Mqtt,
    /// <summary>The project's own scheme <c>coworking/v1/sensors/&lt;sensorId&gt;</c> (docs/SENSORS.md).</summary>
    Coworking,
    /// <summary>A Milesight VS121-style people counter (total and per-region counts).</summary>
    PeopleCounter,
}

/// <summary>A sensor as the hub configured it: what it is, where it publishes, what it watches.</summary>
/// <param name="Topic">The MQTT topic it publishes on; for the own scheme empty means <c>coworking/v1/sensors/&lt;id&gt;</c>.</param>
/// <param name="ResourceId">The resource it watches; null when it watches a whole area.</param>
/// <param name="AreaId">The area it watches when it watches no single resource.</param>
public sealed record SensorConfig(
    string SensorId,
    string Name,
    SensorKind Kind,
    SensorAdapter Adapter,
    string Topic,
    string? ResourceId,
    string? AreaId,
    TimeSpan Hold,
    TimeSpan Timeout)
{
    public const string OwnSchemePrefix = "coworking/v1/sensors/";

    /// <summary>The topic the edge listens to for this sensor.</summary>
    public string EffectiveTopic => Topic.Length > 0 ? Topic : Adapter == SensorAdapter.Coworking ? OwnSchemePrefix + SensorId : "";

    /// <summary>What the sensor watches: its resource, else its area.</summary>
    public string Watched => ResourceId ?? AreaId ?? "";
}

/// <summary>A sensor gateway the hub issued (docs/SENSORS.md "Gateways"): its MQTT username and the verifier of its password.</summary>
public sealed record SensorGatewayConfig(string GatewayId, string Username, string PasswordVerifier);

/// <summary>The sensors and the hub's sensor gateways the edge knows of now.</summary>
public interface ISensorCatalog
{
    IReadOnlyCollection<SensorConfig> Sensors { get; }

    IReadOnlyCollection<SensorGatewayConfig> Gateways { get; }
}

public static class SensorNames
{
    public static string ToWireName(this SensorKind kind) => kind switch
    {
        SensorKind.Pir => "pir",
        SensorKind.Presence => "presence",
        SensorKind.Desk => "desk",
        SensorKind.Co2 => "co2",
        SensorKind.Counter => "counter",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static string ToWireName(this SensorAdapter adapter) => adapter switch
    {
        SensorAdapter.Zigbee2Mqtt => "zigbee2mqtt",
        SensorAdapter.Coworking => "coworking",
        SensorAdapter.PeopleCounter => "people_counter",
        _ => throw new ArgumentOutOfRangeException(nameof(adapter), adapter, null),
    };
}
