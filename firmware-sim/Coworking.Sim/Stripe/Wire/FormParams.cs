using System.Text;

namespace Coworking.Sim.Stripe.Wire;

/// <summary>
/// A Stripe request's parameters: an application/x-www-form-urlencoded body or a query string in bracket notation
/// (metadata[plan]=day, expand[]=customer, expand[0]=customer, items[0][price]=…) read into a tree of
/// <see cref="FormNode"/>s. Keys and values are percent-decoded, '+' is a space.
/// </summary>
internal static class FormParams
{
    public static FormNode Parse(string text)
    {
        var root = new FormNode();
        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Decode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Decode(pair[(equals + 1)..]);
            Add(root, key, value);
        }

        return root;
    }

    private static string Decode(string part) => Uri.UnescapeDataString(part.Replace('+', ' '));

    private static void Add(FormNode root, string key, string value)
    {
        var path = Path(key);
        var node = root;
        for (var i = 0; i < path.Count; i++)
        {
            var segment = path[i];
            if (node.Value is not null)
            {
                throw Unparsable(key);
            }

            if (segment.Length == 0)
            {
                segment = node.Children.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            var last = i == path.Count - 1;
            if (!node.Children.TryGetValue(segment, out var child))
            {
                child = last ? new FormNode(value) : new FormNode();
                node.Children.Add(segment, child);
            }
            else if (last || child.Value is not null)
            {
                throw Unparsable(key);
            }

            node = child;
        }
    }

    /// <summary>"a[b][]" → ["a", "b", ""].</summary>
    private static List<string> Path(string key)
    {
        var open = key.IndexOf('[', StringComparison.Ordinal);
        if (open == 0 || key.Length == 0)
        {
            throw Unparsable(key);
        }

        if (open < 0)
        {
            return [key];
        }

        var path = new List<string> { key[..open] };
        var rest = key[open..];
        while (rest.Length > 0)
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (rest[0] != '[' || close < 0)
            {
                throw Unparsable(key);
            }

            path.Add(rest[1..close]);
            rest = rest[(close + 1)..];
        }

        return path;
    }

    private static StripeApiException Unparsable(string key) =>
        StripeApiException.InvalidRequest($"Invalid request: unparsable parameter '{key}'. Parameters use bracket notation, e.g. metadata[key]=value.", key);
}

/// <summary>A parameter: a string value, or named children (a hash, or a list whose keys are indices).</summary>
internal sealed class FormNode
{
    public FormNode(string? value = null)
    {
        Value = value;
    }

    public string? Value { get; }

    public SortedDictionary<string, FormNode> Children { get; } = new(StringComparer.Ordinal);

    /// <summary>The children as a list in index order, or null when a key is not an index.</summary>
    public IReadOnlyList<FormNode>? AsList()
    {
        var indexed = new List<(int Index, FormNode Node)>();
        foreach (var (key, node) in Children)
        {
            if (!int.TryParse(key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
            {
                return null;
            }

            indexed.Add((index, node));
        }

        return indexed.OrderBy(i => i.Index).Select(i => i.Node).ToList();
    }

    /// <summary>A canonical text of this tree, equal for equal parameters whatever their order on the wire.</summary>
    public string Canonical()
    {
        var text = new StringBuilder();
        Write(this, text);
        return text.ToString();

        static void Write(FormNode node, StringBuilder text)
        {
            if (node.Value is not null)
            {
                text.Append('"').Append(node.Value.Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
                return;
            }

            text.Append('{');
            foreach (var (key, child) in node.Children)
            {
                text.Append(key).Append(':');
                Write(child, text);
                text.Append(',');
            }

            text.Append('}');
        }
    }
}
