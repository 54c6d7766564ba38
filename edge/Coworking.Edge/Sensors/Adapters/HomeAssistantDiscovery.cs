using System.Text.Json;

namespace Coworking.Edge.Sensors.Adapters;

/// <summary>
/// A sensor a Home Assistant discovery config announces (<c>homeassistant/&lt;component&gt;/[&lt;node&gt;/]&lt;object&gt;/config</c>),
/// offered to the installer on /status as a candidate to configure at the hub.
/// </summary>
/// <param name="DiscoveryTopic">The config's topic: one candidate per topic, a newer config replaces it.</param>
/// <param name="Kind">The sensor kind it would be (pir, presence, co2, counter).</param>
/// <param name="Adapter">The adapter its state topic suggests (zigbee2mqtt under zigbee2mqtt/, else coworking or people_counter by its payload's look).</param>
/// <param name="Configured">A sensor at the hub already listens to its state topic.</param>
public sealed record SensorCandidate(
    string DiscoveryTopic, string Name, string Component, string? DeviceClass, string StateTopic, string Kind, string Adapter, string? Device, bool Configured);

/// <summary>Reads Home Assistant discovery configs; only the occupancy-related ones (motion, occupancy, presence, CO2, people counts) are candidates.</summary>
internal static class HomeAssistantDiscovery
{
    public const string Prefix = "homeassistant/";

    public const string Suffix = "/config";

    public static bool IsConfigTopic(string topic) => topic.StartsWith(Prefix, StringComparison.Ordinal) && topic.EndsWith(Suffix, StringComparison.Ordinal);

    /// <summary>The candidate a config announces; null with no problem when it is not a sensor the edge uses (or removes one: an empty payload).</summary>
    public static SensorCandidate? Read(string topic, ReadOnlySpan<byte> payload, out string? problem)
    {
        problem = null;
        if (payload.IsEmpty)
        {
            return null;
        }

        using var document = JsonFields.ParseObject(payload, out problem);
        if (document is null)
        {
            return null;
        }

        var config = document.RootElement;
        var parts = topic[Prefix.Length..^Suffix.Length].Split('/');
        var component = parts[0];
        var stateTopic = Text(config, "state_topic", "stat_t");
        if (stateTopic is null)
        {
            problem = "discovery config has no state_topic";
            return null;
        }

        var deviceClass = Text(config, "device_class", "dev_cla");
        var template = Text(config, "value_template", "val_tpl") ?? "";
        var name = Text(config, "name") ?? parts[^1];
        var kind = (component, deviceClass) switch
        {
            ("binary_sensor", "motion") => "pir",
            ("binary_sensor", "occupancy") => template.Contains("presence", StringComparison.Ordinal) ? "presence" : "pir",
            ("binary_sensor", "presence") => "presence",
            ("sensor", "carbon_dioxide") => "co2",
            ("sensor", _) when template.Contains("people_count", StringComparison.Ordinal) || name.Contains("people", StringComparison.OrdinalIgnoreCase) => "counter",
            _ => null,
        };
        if (kind is null)
        {
            return null;
        }

        var adapter = stateTopic.StartsWith(Zigbee2MqttAdapter.BaseTopic + "/", StringComparison.Ordinal) ? "zigbee2mqtt"
            : kind == "counter" ? "people_counter"
            : "coworking";
        string? device = null;
        if ((config.TryGetProperty("device", out var d) || config.TryGetProperty("dev", out d)) && d.ValueKind == JsonValueKind.Object)
        {
            device = string.Join(" ", new[] { Text(d, "manufacturer", "mf"), Text(d, "model", "mdl"), Text(d, "name") }.Where(p => p is not null));
        }

        return new SensorCandidate(topic, name, component, deviceClass, stateTopic, kind, adapter, device is { Length: > 0 } ? device : null, false);
    }

    private static string? Text(JsonElement obj, string name, string? abbreviation = null)
    {
        if ((obj.TryGetProperty(name, out var value) || (abbreviation is not null && obj.TryGetProperty(abbreviation, out value))) && value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }

        return null;
    }
}
