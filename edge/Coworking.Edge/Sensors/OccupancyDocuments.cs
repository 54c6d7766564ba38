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

        if (change.Window is { } window)
        {
            document["window"] = new BsonDocument
            {
                ["start"] = window.Start.UtcTicks,
                ["seconds"] = window.Seconds,
                ["occupied"] = window.OccupiedSeconds,
                ["peak"] = window.PeakCount,
                ["co2Mean"] = window.Co2Mean,
                ["co2Max"] = window.Co2Max,
            };
        }

        return document;
    }

    public static OccupancyChange FromDocument(BsonDocument d)
    {
        string? Optional(string name) => d.TryGetValue(name, out var value) ? value.AsString : null;
        var window = d.TryGetValue("window", out var w)
            ? new OccupancyWindow(new DateTimeOffset(w["start"].AsInt64, TimeSpan.Zero), w["seconds"].AsInt32, w["occupied"].AsInt32, w["peak"].AsInt32,
                w["co2Mean"].AsDouble, w["co2Max"].AsDouble)
            : null;
        return new OccupancyChange(Optional("resource"), Optional("area"), d["occupied"].AsBoolean, d["count"].AsInt32, d["co2"].AsDouble, Optional("sensor"), window);
    }

    public static OccupancyReport ToProto(OccupancyChange change) => new()
    {
        ResourceId = change.ResourceId ?? "",
        AreaId = change.AreaId ?? "",
        Occupied = change.Occupied,
        Count = change.Count,
        Co2Ppm = change.Co2Ppm,
        SensorId = change.SensorId ?? "",
        WindowStart = change.Window is { } window ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(window.Start) : null,
        WindowS = change.Window?.Seconds ?? 0,
        OccupiedS = change.Window?.OccupiedSeconds ?? 0,
        PeakCount = change.Window?.PeakCount ?? 0,
        Co2MeanPpm = change.Window?.Co2Mean ?? 0,
        Co2MaxPpm = change.Window?.Co2Max ?? 0,
    };
}
