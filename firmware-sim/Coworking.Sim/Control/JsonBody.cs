using System.Reflection;
using System.Text.Json;

namespace Coworking.Sim.Control;

/// <summary>
/// Reads a small JSON object body so that every problem names its field: malformed JSON and a non-object body
/// are errors of "body", a field the request does not have is an error of that field, a value of the wrong type is
/// an error of its field.
/// </summary>
internal static class JsonBody
{
    private const int MaxLength = 16 * 1024;

    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);

    public static async Task<(T? Value, Dictionary<string, string[]>? Errors)> ReadAsync<T>(
        HttpRequest request, bool allowEmpty, CancellationToken cancellationToken)
        where T : class
    {
        using var reader = new StreamReader(request.Body, leaveOpen: true);
        var buffer = new char[MaxLength + 1];
        var length = await reader.ReadBlockAsync(buffer.AsMemory(), cancellationToken);
        if (length > MaxLength)
        {
            return Fail<T>("body", $"the body is limited to {MaxLength} characters");
        }

        var text = new string(buffer, 0, length);
        if (string.IsNullOrWhiteSpace(text))
        {
            return allowEmpty ? Parse<T>("{}") : Fail<T>("body", "a JSON object is required");
        }

        return Parse<T>(text);
    }

    private static (T? Value, Dictionary<string, string[]>? Errors) Parse<T>(string text)
        where T : class
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            return Fail<T>("body", $"not valid JSON: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Fail<T>("body", "a JSON object is required");
            }

            var known = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Select(p => Options.PropertyNamingPolicy?.ConvertName(p.Name) ?? p.Name)
                .ToHashSet(StringComparer.OrdinalIgnoreCase);
            var unknown = document.RootElement.EnumerateObject().Where(p => !known.Contains(p.Name)).ToList();
            if (unknown.Count > 0)
            {
                return (null, unknown.ToDictionary(p => p.Name, _ => new[] { $"unknown field; this request takes {string.Join(", ", known)}" }));
            }

            try
            {
                return (document.RootElement.Deserialize<T>(Options), null);
            }
            catch (JsonException e)
            {
                var field = e.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
                return Fail<T>(field, "has the wrong type");
            }
        }
    }

    private static (T? Value, Dictionary<string, string[]>? Errors) Fail<T>(string field, string message)
        where T : class => (null, new Dictionary<string, string[]> { [field] = [message] });
}
