using System.Text.Json;

namespace Coworking.Hub.Database;

/// <summary>Enums are stored as the same snake_case words the JSON API uses ("org_admin", "active").</summary>
internal static class DbText
{
    public static string ToDb<T>(this T value)
        where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    public static T Parse<T>(string text)
        where T : struct, Enum => Enum.Parse<T>(text.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true);
}
