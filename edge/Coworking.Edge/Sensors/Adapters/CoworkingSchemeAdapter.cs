namespace Coworking.Edge.Sensors.Adapters;

/// <summary>
/// The project's own scheme (docs/SENSORS.md): <c>coworking/v1/sensors/&lt;sensorId&gt;</c> with a JSON object of
/// <c>occupied</c>, <c>count</c>, <c>co2</c>, <c>illuminance</c>, <c>battery</c>, each optional.
/// </summary>
internal static class CoworkingSchemeAdapter
{
    public static AdapterResult Read(ReadOnlySpan<byte> payload)
    {
        using var document = JsonFields.ParseObject(payload, out var problem);
        if (document is null)
        {
            return new AdapterResult.Malformed(problem!);
        }

        var obj = document.RootElement;
        bool? occupied = null;
        double? co2 = null, illuminance = null;
        int? count = null, battery = null;
        var ok = JsonFields.Bool(obj, "occupied", ref occupied, ref problem)
            & JsonFields.Integer(obj, "count", 0, 100_000, ref count, ref problem)
            & JsonFields.Number(obj, "co2", ref co2, ref problem)
            & JsonFields.Number(obj, "illuminance", ref illuminance, ref problem)
            & JsonFields.Integer(obj, "battery", 0, 100, ref battery, ref problem);
        if (!ok)
        {
            return new AdapterResult.Malformed(problem!);
        }

        if (occupied is null && count is null && co2 is null && illuminance is null && battery is null)
        {
            return new AdapterResult.Malformed("payload has none of occupied, count, co2, illuminance, battery");
        }

        return new AdapterResult.Reading(new SensorReading { Occupied = occupied, Count = count, Co2 = co2, Illuminance = illuminance, Battery = battery });
    }
}
