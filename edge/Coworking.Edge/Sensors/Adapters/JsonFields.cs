using System.Text.Json;

namespace Coworking.Edge.Sensors.Adapters;

/// <summary>Reads the optional fields of a sensor's JSON object; a field of the wrong type is a problem, never a guess.</summary>
internal static class JsonFields
{
    public const int MaxPayloadBytes = 64 * 1024;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16 };

    /// <summary>Parses <paramref name="payload"/> as a JSON object; null with a problem otherwise.</summary>
    public static JsonDocument? ParseObject(ReadOnlySpan<byte> payload, out string? problem)
    {
        if (payload.Length > MaxPayloadBytes)
        {
            problem = $"payload is larger than {MaxPayloadBytes} bytes";
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload.ToArray(), Options);
        }
        catch (JsonException e)
        {
            problem = "payload is not JSON: " + e.Message;
            return null;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            problem = "payload is not a JSON object";
            return null;
        }

        problem = null;
        return document;
    }

    public static bool Bool(JsonElement obj, string name, ref bool? value, ref string? problem)
    {
        if (!obj.TryGetProperty(name, out var field) || field.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (field.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            value = field.GetBoolean();
            return true;
        }

        problem ??= $"{name} is not true or false";
        return false;
    }

    public static bool Number(JsonElement obj, string name, ref double? value, ref string? problem)
    {
        if (!obj.TryGetProperty(name, out var field) || field.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (field.ValueKind == JsonValueKind.Number && field.TryGetDouble(out var number) && double.IsFinite(number))
        {
            value = number;
            return true;
        }

        problem ??= $"{name} is not a number";
        return false;
    }

    public static bool Integer(JsonElement obj, string name, int min, int max, ref int? value, ref string? problem)
    {
        double? number = null;
        if (!Number(obj, name, ref number, ref problem))
        {
            return false;
        }

        if (number is not { } n)
        {
            return true;
        }

        if (n < min || n > max)
        {
            problem ??= $"{name} is outside {min}..{max}";
            return false;
        }

        value = (int)Math.Round(n);
        return true;
    }

    /// <summary>
    /// An availability payload: <c>{"state":"online"}</c> / <c>{"state":"offline"}</c>, or the plain string
    /// <c>online</c> / <c>offline</c> older Zigbee2MQTT versions send.
    /// </summary>
    public static AdapterResult Availability(ReadOnlySpan<byte> payload)
    {
        var text = System.Text.Encoding.UTF8.GetString(payload).Trim();
        if (text.StartsWith('{'))
        {
            using var document = ParseObject(payload, out var problem);
            if (document is null)
            {
                return new AdapterResult.Malformed(problem!);
            }

            if (!document.RootElement.TryGetProperty("state", out var state) || state.ValueKind != JsonValueKind.String)
            {
                return new AdapterResult.Malformed("availability has no state");
            }

            text = state.GetString()!;
        }

        return text switch
        {
            "online" => new AdapterResult.Availability(true),
            "offline" => new AdapterResult.Availability(false),
            _ => new AdapterResult.Malformed("availability is neither online nor offline"),
        };
    }
}
