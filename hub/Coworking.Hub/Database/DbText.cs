using System.Text.Json;

namespace Coworking.Hub.Database;

/// <summary>Enums are stored as the same snake_case words the JSON API uses ("org_admin", "active").</summary>
internal static class DbText
{
    public static string ToDb<T>(this T value)
        where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>Reads a wire name such as "org_admin" exactly; any other spelling is not a value.</summary>
    public static bool TryParse<T>(string? text, out T value)
        where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (candidate.ToDb() == text)
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    public static T Parse<T>(string text)
        where T : struct, Enum => Enum.Parse<T>(text.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true);
}
