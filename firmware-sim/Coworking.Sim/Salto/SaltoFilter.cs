using System.Text.Json;

namespace Coworking.Sim.Salto;

/// <summary>
/// The OData <c>$filter</c> Salto KS's lists take, as far as the sim plays it: <c>field eq 'value'</c> terms joined by
/// <c>or</c> (a quote inside a value doubled, as OData writes it); fields are the item's snake_case JSON names. No filter
/// matches everything.
/// </summary>
internal sealed class SaltoFilter
{
    private readonly List<(string Field, string Value)> _terms;

    private SaltoFilter(List<(string, string)> terms) => _terms = terms;

    public static bool TryParse(string text, out SaltoFilter filter)
    {
        var terms = new List<(string, string)>();
        filter = new SaltoFilter(terms);
        var rest = text.Trim();
        while (rest.Length > 0)
        {
            var eq = rest.IndexOf(" eq '", StringComparison.Ordinal);
            if (eq <= 0 || rest[..eq].Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '_')))
            {
                return false;
            }

            var value = new System.Text.StringBuilder();
            var i = eq + 5;
            for (; i < rest.Length; i++)
            {
                if (rest[i] == '\'' && (i + 1 >= rest.Length || rest[i + 1] != '\''))
                {
                    break;
                }

                value.Append(rest[i]);
                i += rest[i] == '\'' ? 1 : 0;
            }

            if (i >= rest.Length)
            {
                return false;
            }

            terms.Add((rest[..eq], value.ToString()));
            rest = rest[(i + 1)..].TrimStart();
            if (rest.Length > 0)
            {
                if (!rest.StartsWith("or ", StringComparison.Ordinal))
                {
                    return false;
                }

                rest = rest[3..].TrimStart();
            }
        }

        return true;
    }

    public bool Matches(JsonElement item) =>
        _terms.Count == 0 || _terms.Any(t => item.TryGetProperty(t.Field, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() == t.Value);
}
