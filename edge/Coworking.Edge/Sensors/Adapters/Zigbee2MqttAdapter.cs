namespace Coworking.Edge.Sensors.Adapters;

/// <summary>
/// Zigbee2MQTT's device messages (<c>zigbee2mqtt/&lt;friendly_name&gt;</c>): <c>occupancy</c> (PIR motion) or
/// <c>presence</c> (mmWave), <c>co2</c>, <c>illuminance</c> or <c>illuminance_lux</c>, <c>battery</c>,
/// <c>linkquality</c>; every other field (temperature, voltage, update state…) is ignored.
/// </summary>
internal static class Zigbee2MqttAdapter
{
    public const string BaseTopic = "zigbee2mqtt";

    /// <summary>The bridge's own state topic under a base topic.</summary>
    public const string BridgeState = "/bridge/state";

    public static AdapterResult Read(ReadOnlySpan<byte> payload)
    {
        using var document = JsonFields.ParseObject(payload, out var problem);
        if (document is null)
        {
            return new AdapterResult.Malformed(problem!);
        }

        var obj = document.RootElement;
        bool? occupancy = null, presence = null;
        double? co2 = null, illuminance = null, lux = null;
        int? battery = null, linkQuality = null;
        var ok = JsonFields.Bool(obj, "occupancy", ref occupancy, ref problem)
            & JsonFields.Bool(obj, "presence", ref presence, ref problem)
            & JsonFields.Number(obj, "co2", ref co2, ref problem)
            & JsonFields.Number(obj, "illuminance", ref illuminance, ref problem)
            & JsonFields.Number(obj, "illuminance_lux", ref lux, ref problem)
            & JsonFields.Integer(obj, "battery", 0, 100, ref battery, ref problem)
            & JsonFields.Integer(obj, "linkquality", 0, 255, ref linkQuality, ref problem);
        if (!ok)
        {
            return new AdapterResult.Malformed(problem!);
        }

        return new AdapterResult.Reading(new SensorReading
        {
            Occupied = presence ?? occupancy,
            Co2 = co2,
            Illuminance = lux ?? illuminance,
            Battery = battery,
            LinkQuality = linkQuality,
        });
    }
}
