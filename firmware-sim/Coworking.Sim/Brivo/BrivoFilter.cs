using System.Globalization;
using System.Text.Json;

namespace Coworking.Sim.Brivo;

/// <summary>
/// Brivo's list filter: <c>field__op:value[,value…]</c>, several joined by <c>;</c>, ops <c>eq</c> (any of the values),
/// <c>ne</c>, <c>gt</c> and <c>lt</c> (instants or numbers). Fields are the item's top-level JSON names.
/// </summary>
internal sealed class BrivoFilter
{
    private readonly List<(string Field, string Op, string[] Values)> _terms;

    private BrivoFilter(List<(string, string, string[])> terms) => _terms = terms;

    public static bool TryParse(string text, out BrivoFilter filter)
    {
        var terms = new List<(string, string, string[])>();
        filter = new BrivoFilter(terms);
        foreach (var term in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = term.IndexOf(':', StringComparison.Ordinal);
            var split = colon < 0 ? -1 : term.LastIndexOf("__", colon, StringComparison.Ordinal);
            if (split <= 0)
            {
                return false;
            }

            var op = term[(split + 2)..colon];
            if (op is not ("eq" or "ne" or "gt" or "lt"))
            {
                return false;
            }

            terms.Add((term[..split], op, term[(colon + 1)..].Split(',')));
        }

        return true;
    }

    public bool Matches(JsonElement item) => _terms.All(t =>
    {
        if (!item.TryGetProperty(t.Field, out var value) || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return t.Op == "ne";
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
        return t.Op switch
        {
            "eq" => t.Values.Contains(text, StringComparer.Ordinal),
            "ne" => !t.Values.Contains(text, StringComparer.Ordinal),
            "gt" => Compare(text, t.Values[0]) > 0,
            _ => Compare(text, t.Values[0]) < 0,
        };
    });

    private static int Compare(string a, string b)
    {
        if (DateTimeOffset.TryParse(a, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var x)
            && DateTimeOffset.TryParse(b, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var y))
        {
            return x.CompareTo(y);
        }

        return decimal.TryParse(a, CultureInfo.InvariantCulture, out var m) && decimal.TryParse(b, CultureInfo.InvariantCulture, out var n)
            ? m.CompareTo(n)
            : string.CompareOrdinal(a, b);
    }
}
