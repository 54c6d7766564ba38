using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Coworking.Hub.Database;
using Coworking.Hub.Locations;
using Coworking.Hub.Resources;
using Microsoft.AspNetCore.Http.Metadata;

namespace Coworking.Hub.Bookings;

/// <summary>
/// The availability answer written straight to the response with <see cref="Utf8JsonWriter"/>: a day of 500
/// resources is thousands of intervals, and the serializer's generic collection and converter path was most of a
/// query's cost. The full shape is byte for byte what the serializer writes for <see cref="AvailabilityResponse"/>
/// (a tested contract); the compact shape (<c>?fields=free</c>) has only each resource's free time, as whole
/// minutes from the day's start, rounded inwards so that it never shows as free a moment that is not.
/// </summary>
internal sealed class AvailabilityJson(AvailabilityResponse day, bool freeOnly) : IResult, IEndpointMetadataProvider
{
    public const string FreeOnly = "free";

    // Written to the network every this many resources, so a large day is not held whole in the response buffer.
    private const int ResourcesPerFlush = 64;

    private static readonly JsonEncodedText LocationId = JsonEncodedText.Encode("locationId");
    private static readonly JsonEncodedText Date = JsonEncodedText.Encode("date");
    private static readonly JsonEncodedText TimeZone = JsonEncodedText.Encode("timeZone");
    private static readonly JsonEncodedText From = JsonEncodedText.Encode("from");
    private static readonly JsonEncodedText To = JsonEncodedText.Encode("to");
    private static readonly JsonEncodedText Resources = JsonEncodedText.Encode("resources");
    private static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText Kind = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText Capacity = JsonEncodedText.Encode("capacity");
    private static readonly JsonEncodedText AreaId = JsonEncodedText.Encode("areaId");
    private static readonly JsonEncodedText Free = JsonEncodedText.Encode("free");
    private static readonly JsonEncodedText Taken = JsonEncodedText.Encode("taken");
    private static readonly JsonEncodedText Start = JsonEncodedText.Encode("start");
    private static readonly JsonEncodedText End = JsonEncodedText.Encode("end");
    private static readonly JsonEncodedText[] Kinds = [.. Enum.GetValues<ResourceKind>().Select(k => JsonEncodedText.Encode(k.ToDb()))];

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(response.BodyWriter);
        WriteHead(writer, day);
        for (var i = 0; i < day.Resources.Count; i++)
        {
            WriteResource(writer, day.Resources[i], day.From, freeOnly);
            if (i % ResourcesPerFlush == ResourcesPerFlush - 1)
            {
                await SendAsync(writer, response, httpContext.RequestAborted);
            }
        }

        WriteTail(writer);
        await SendAsync(writer, response, httpContext.RequestAborted);
    }

    /// <summary>The whole answer into <paramref name="writer"/>, as <see cref="ExecuteAsync"/> sends it.</summary>
    public static void Write(Utf8JsonWriter writer, AvailabilityResponse day, bool freeOnly)
    {
        WriteHead(writer, day);
        foreach (var resource in day.Resources)
        {
            WriteResource(writer, resource, day.From, freeOnly);
        }

        WriteTail(writer);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(AvailabilityResponse), ["application/json"]));

    private static void WriteHead(Utf8JsonWriter writer, AvailabilityResponse day)
    {
        writer.WriteStartObject();
        writer.WriteString(LocationId, day.LocationId);
        writer.WriteString(Date, day.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        writer.WriteString(TimeZone, day.TimeZone);
        writer.WriteString(From, day.From);
        writer.WriteString(To, day.To);
        writer.WriteStartArray(Resources);
    }

    private static void WriteTail(Utf8JsonWriter writer)
    {
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteResource(Utf8JsonWriter writer, ResourceAvailability resource, DateTimeOffset dayStart, bool freeOnly)
    {
        writer.WriteStartObject();
        writer.WriteString(Id, resource.Id);
        if (freeOnly)
        {
            writer.WriteStartArray(Free);
            for (var i = 0; i < resource.Free.Count; i++)
            {
                var start = (long)Math.Ceiling((resource.Free[i].Start - dayStart).TotalMinutes);
                var end = (long)Math.Floor((resource.Free[i].End - dayStart).TotalMinutes);
                if (end > start)
                {
                    writer.WriteStartArray();
                    writer.WriteNumberValue(start);
                    writer.WriteNumberValue(end);
                    writer.WriteEndArray();
                }
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            return;
        }

        writer.WriteString(Name, resource.Name);
        writer.WriteString(Kind, Kinds[(int)resource.Kind]);
        writer.WriteNumber(Capacity, resource.Capacity);
        writer.WriteString(AreaId, resource.AreaId);
        WriteIntervals(writer, Free, resource.Free);
        WriteIntervals(writer, Taken, resource.Taken);
        writer.WriteEndObject();
    }

    private static void WriteIntervals(Utf8JsonWriter writer, JsonEncodedText name, IReadOnlyList<Interval> intervals)
    {
        writer.WriteStartArray(name);
        for (var i = 0; i < intervals.Count; i++)
        {
            writer.WriteStartObject();
            writer.WriteString(Start, intervals[i].Start);
            writer.WriteString(End, intervals[i].End);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static async Task SendAsync(Utf8JsonWriter writer, HttpResponse response, CancellationToken cancellationToken)
    {
        await writer.FlushAsync(cancellationToken);
        await response.BodyWriter.FlushAsync(cancellationToken);
    }
}
