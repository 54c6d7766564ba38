using LiteDB;
using Coworking.Proto.V1;

namespace Coworking.Edge.Sensors;

/// <summary>An <see cref="OccupancyChange"/> in the outbox's file and on the wire.</summary>
internal static class OccupancyDocuments
{
    public static BsonDocument ToDocument(OccupancyChange change)
    {
        var document = new BsonDocument { ["occupied"] = change.Occupied, ["count"] = change.Count, ["co2"] = change.Co2Ppm };
        if (change.ResourceId is { } resource)
        {
            document["resource"] = resource;
        }

        if (change.AreaId is { } area)
        {
            document["area"] = area;
        }

        if (change.SensorId is { } sensor)
        {
            document["sensor"] = sensor;
        }

        return document;
    }

    public static OccupancyChange FromDocument(BsonDocument d)
    {
        string? Optional(string name) => d.TryGetValue(name, out var value) ? value.AsString : null;
        return new OccupancyChange(Optional("resource"), Optional("area"), d["occupied"].AsBoolean, d["count"].AsInt32, d["co2"].AsDouble, Optional("sensor"));
    }

    public static OccupancyReport ToProto(OccupancyChange change) => new()
    {
        ResourceId = change.ResourceId ?? "",
        AreaId = change.AreaId ?? "",
        Occupied = change.Occupied,
        Count = change.Count,
        Co2Ppm = change.Co2Ppm,
        SensorId = change.SensorId ?? "",
    };
}
