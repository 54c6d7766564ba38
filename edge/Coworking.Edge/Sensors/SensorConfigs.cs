using Coworking.Edge.Cache;
using Coworking.Proto.V1;

namespace Coworking.Edge.Sensors;

/// <summary>Sensors between the hub's wire form (<see cref="SensorUpsert"/>) and the edge's <see cref="SensorConfig"/>.</summary>
public static class SensorConfigs
{
    /// <summary>A PIR without a hold time holds for this long.</summary>
    public static readonly TimeSpan DefaultHold = TimeSpan.FromMinutes(5);

    /// <summary>A sensor without a timeout is offline after this long unheard.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    public static bool TryRead(SensorUpsert sensor, out SensorConfig config, out string? problem)
    {
        config = null!;
        problem = sensor.SensorId.Length == 0 ? "sensor without id"
            : Kind(sensor.Kind) is null ? $"sensor kind '{sensor.Kind}' is not one of pir, presence, desk, co2, counter"
            : Adapter(sensor.Adapter) is null ? $"sensor adapter '{sensor.Adapter}' is not one of zigbee2mqtt, coworking, people_counter"
            : sensor.Topic.Length == 0 && Adapter(sensor.Adapter) != SensorAdapter.Coworking ? "sensor without topic"
            : sensor.HoldS < 0 || sensor.TimeoutS < 0 ? "sensor hold or timeout is negative"
            : null;
        if (problem is not null)
        {
            return false;
        }

        config = new SensorConfig(
            sensor.SensorId,
            sensor.Name,
            Kind(sensor.Kind)!.Value,
            Adapter(sensor.Adapter)!.Value,
            sensor.Topic,
            sensor.ResourceId.Length > 0 ? sensor.ResourceId : null,
            sensor.AreaId.Length > 0 ? sensor.AreaId : null,
            sensor.HoldS > 0 ? TimeSpan.FromSeconds(sensor.HoldS) : DefaultHold,
            sensor.TimeoutS > 0 ? TimeSpan.FromSeconds(sensor.TimeoutS) : DefaultTimeout);
        return true;
    }

    public static SensorUpsert ToUpsert(SensorConfig config) => new()
    {
        SensorId = config.SensorId,
        Name = config.Name,
        Kind = config.Kind.ToWireName(),
        Adapter = config.Adapter.ToWireName(),
        Topic = config.Topic,
        ResourceId = config.ResourceId ?? "",
        AreaId = config.AreaId ?? "",
        HoldS = (int)config.Hold.TotalSeconds,
        TimeoutS = (int)config.Timeout.TotalSeconds,
    };

    private static SensorKind? Kind(string name) => Enum.GetValues<SensorKind>().Cast<SensorKind?>().FirstOrDefault(k => k!.Value.ToWireName() == name);

    private static SensorAdapter? Adapter(string name) =>
        Enum.GetValues<SensorAdapter>().Cast<SensorAdapter?>().FirstOrDefault(a => a!.Value.ToWireName() == name);
}

/// <summary>The sensors of the cache's current index: a new collection exactly when a batch changed them.</summary>
public sealed class CachedSensorCatalog(GrantCache cache) : ISensorCatalog
{
    public IReadOnlyCollection<SensorConfig> Sensors => cache.Index.Sensors;

    public IReadOnlyCollection<SensorGatewayConfig> Gateways => cache.Index.SensorGateways;
}
