namespace Coworking.Sim.Sensors;

/// <summary>
/// The "sensors" section: occupancy sensors the sim plays over MQTT (docs/SENSORS.md), e.g.
/// { "broker": { "host": "127.0.0.1", "port": 1883, "username": "gw-1", "password": "…" }, "republishSeconds": 60,
///   "devices": [ { "name": "boardroom-presence", "kind": "presence", "shape": "zigbee2mqtt", "topic": "zigbee2mqtt/boardroom-presence" } ] }.
/// </summary>
internal sealed record SensorSimOptions
{
    public static readonly string[] Kinds = ["pir", "presence", "desk", "co2", "counter"];

    public static readonly string[] Shapes = ["zigbee2mqtt", "coworking", "people_counter"];

    public SimBrokerOptions Broker { get; init; } = new();

    /// <summary>Each live sensor publishes its state again this often, as real ones report on a timer.</summary>
    public int RepublishSeconds { get; init; } = 60;

    public IReadOnlyList<SimSensorOptions> Devices { get; init; } = [];

    /// <summary>When given, the sensors play a working day by themselves (<see cref="SimulatedDay"/>).</summary>
    public SimDayOptions? Day { get; init; }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Broker.Host))
        {
            errors.Add("sensors.broker.host is required");
        }

        if (Broker.Port is < 1 or > 65535)
        {
            errors.Add("sensors.broker.port must be 1-65535");
        }

        if (RepublishSeconds is < 1 or > 86_400)
        {
            errors.Add("sensors.republishSeconds must be 1-86400");
        }

        if (Day is not null)
        {
            errors.AddRange(Day.Validate());
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Devices.Count; i++)
        {
            var device = Devices[i];
            var at = $"sensors.devices[{i}]";
            if (string.IsNullOrWhiteSpace(device.Name) || !names.Add(device.Name))
            {
                errors.Add($"{at}.name is required and must be unique");
            }

            if (!Kinds.Contains(device.Kind))
            {
                errors.Add($"{at}.kind must be one of {string.Join(", ", Kinds)}");
            }

            if (!Shapes.Contains(device.Shape))
            {
                errors.Add($"{at}.shape must be one of {string.Join(", ", Shapes)}");
            }

            if (string.IsNullOrWhiteSpace(device.Topic) || device.Topic.IndexOfAny(['+', '#']) >= 0)
            {
                errors.Add($"{at}.topic is required, without wildcards");
            }
        }

        return errors;
    }
}

internal sealed record SimBrokerOptions
{
    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 1883;

    public string? Username { get; init; }

    public string? Password { get; init; }
}

internal sealed record SimSensorOptions
{
    public string Name { get; init; } = string.Empty;

    /// <summary>pir, presence, desk, co2 or counter.</summary>
    public string Kind { get; init; } = "presence";

    /// <summary>The payload shape: zigbee2mqtt, coworking (the own scheme) or people_counter.</summary>
    public string Shape { get; init; } = "zigbee2mqtt";

    public string Topic { get; init; } = string.Empty;
}
