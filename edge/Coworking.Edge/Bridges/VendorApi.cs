using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Coworking.Edge.Bridges;

/// <summary>The vendors' JSON: Kisi and Salto KS write snake_case, Brivo camelCase; nulls are left out of what the bridge sends.</summary>
internal static class VendorJson
{
    public static readonly JsonSerializerOptions SnakeCase = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static readonly JsonSerializerOptions CamelCase = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>A successful answer's body as <typeparamref name="T"/>; nothing for 204 or when the caller wants none (<c>JsonElement?</c>).</summary>
    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonSerializerOptions options, CancellationToken cancellationToken)
    {
        if (response.StatusCode == System.Net.HttpStatusCode.NoContent || typeof(T) == typeof(JsonElement?))
        {
            return default!;
        }

        return (await response.Content.ReadFromJsonAsync<T>(options, cancellationToken))!;
    }
}

/// <summary>A vendor answered an error; <see cref="StatusCode"/> is the HTTP status, <see cref="Code"/> the vendor's own code.</summary>
public abstract class VendorApiException(string vendor, int statusCode, string code, string message) : Exception($"{vendor} {statusCode} {code}: {message}")
{
    public int StatusCode { get; } = statusCode;

    public string Code { get; } = code;

    /// <summary>
    /// The error an answer carries: the first of <paramref name="codeFields"/> and of <paramref name="messageFields"/> its
    /// JSON object has; the status and reason when the body is not the vendor's (a proxy's page).
    /// </summary>
    internal static async Task<(int Status, string Code, string Message)> ReadAsync(
        HttpResponseMessage response, string[] codeFields, string[] messageFields, CancellationToken cancellationToken)
    {
        var (code, message) = (((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), response.ReasonPhrase ?? "");
        try
        {
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            if (body.ValueKind == JsonValueKind.Object)
            {
                code = First(body, codeFields) ?? code;
                message = First(body, messageFields) ?? message;
            }
        }
        catch (JsonException)
        {
            // Not the vendor's error shape: the status says enough.
        }

        return ((int)response.StatusCode, code, message);
    }

    private static string? First(JsonElement body, string[] fields) =>
        fields.Select(f => body.TryGetProperty(f, out var value) ? value.ToString() : null).FirstOrDefault(v => v is not null);
}
