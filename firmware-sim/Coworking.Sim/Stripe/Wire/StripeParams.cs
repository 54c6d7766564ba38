using System.Globalization;

namespace Coworking.Sim.Stripe.Wire;

/// <summary>
/// Reads typed parameters out of a <see cref="FormNode"/> the way Stripe validates them, remembering which top-level
/// names were read so that <see cref="RejectUnknown"/> can refuse the rest ("Received unknown parameter: x").
/// </summary>
internal sealed class StripeParams(FormNode root)
{
    public const int MaxMetadataKeys = 50;
    private const int MaxMetadataKeyLength = 40;
    private const int MaxMetadataValueLength = 500;

    private readonly HashSet<string> read = new(StringComparer.Ordinal);

    public FormNode Root => root;

    public bool Has(string name)
    {
        read.Add(name);
        return root.Children.ContainsKey(name);
    }

    public string? String(string name)
    {
        read.Add(name);
        if (!root.Children.TryGetValue(name, out var node))
        {
            return null;
        }

        return node.Value ?? throw StripeApiException.InvalidRequest($"Invalid string: {name} must be a string, not a hash or list.", name);
    }

    /// <summary>A string that is absent, or present and not empty; an empty value is what Stripe calls unsetting.</summary>
    public string? NonEmpty(string name)
    {
        var value = String(name);
        return value is { Length: 0 } ? throw StripeApiException.InvalidRequest($"You passed an empty string for '{name}'. We assume empty values are an attempt to unset a parameter; however '{name}' cannot be unset. You should remove '{name}' from your request or supply a non-empty value.", name) : value;
    }

    public string Required(string name) => NonEmpty(name) ?? throw StripeApiException.Missing(name);

    public long? Long(string name)
    {
        var value = String(name);
        if (value is null)
        {
            return null;
        }

        return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw StripeApiException.InvalidRequest($"Invalid integer: {value}", name, "parameter_invalid_integer");
    }

    public bool? Bool(string name)
    {
        var value = String(name);
        return value switch
        {
            null => null,
            "true" => true,
            "false" => false,
            _ => throw StripeApiException.InvalidRequest($"Invalid boolean: {value}", name),
        };
    }

    /// <summary>metadata[key]=value: an empty value removes the key, metadata= (empty) removes them all.</summary>
    public MetadataChange? Metadata(string name = "metadata")
    {
        read.Add(name);
        if (!root.Children.TryGetValue(name, out var node))
        {
            return null;
        }

        if (node.Value is not null)
        {
            return node.Value.Length == 0
                ? new MetadataChange(true, new Dictionary<string, string?>())
                : throw StripeApiException.InvalidRequest($"Invalid hash: {name} must be a hash of keys and values.", name);
        }

        var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, child) in node.Children)
        {
            if (child.Value is null)
            {
                throw StripeApiException.InvalidRequest($"Invalid value for {name}[{key}]: metadata values must be strings.", $"{name}[{key}]");
            }

            if (key.Length > MaxMetadataKeyLength)
            {
                throw StripeApiException.InvalidRequest($"Metadata keys can have up to {MaxMetadataKeyLength} characters; '{key}' has {key.Length}.", $"{name}[{key}]");
            }

            if (child.Value.Length > MaxMetadataValueLength)
            {
                throw StripeApiException.InvalidRequest($"Metadata values can have up to {MaxMetadataValueLength} characters; the value of '{key}' has {child.Value.Length}.", $"{name}[{key}]");
            }

            changes[key] = child.Value.Length == 0 ? null : child.Value;
        }

        return new MetadataChange(false, changes);
    }

    /// <summary>A hash parameter such as invoice_settings or setup_intent_data, read with its own unknown-key check.</summary>
    public StripeParams? Hash(string name)
    {
        read.Add(name);
        if (!root.Children.TryGetValue(name, out var node))
        {
            return null;
        }

        return node.Value is null ? new StripeParams(node) : throw StripeApiException.InvalidRequest($"Invalid hash: {name}", name);
    }

    /// <summary>A list of strings: name[]=a&amp;name[]=b or name[0]=a&amp;name[1]=b.</summary>
    public IReadOnlyList<string>? StringList(string name)
    {
        read.Add(name);
        if (!root.Children.TryGetValue(name, out var node))
        {
            return null;
        }

        if (node.Value is { Length: 0 })
        {
            return [];
        }

        var items = node.AsList();
        if (items is null || items.Any(i => i.Value is null))
        {
            throw StripeApiException.InvalidRequest($"Invalid array: {name} must be a list of strings.", name);
        }

        return items.Select(i => i.Value!).ToList();
    }

    public IReadOnlyList<string> Expand() => StringList("expand") ?? [];

    public void RejectUnknown(string prefix = "")
    {
        foreach (var name in root.Children.Keys)
        {
            if (!read.Contains(name) && !(prefix.Length == 0 && name == "expand"))
            {
                throw StripeApiException.Unknown(prefix.Length == 0 ? name : $"{prefix}[{name}]");
            }
        }
    }
}

/// <summary>What a request does to metadata: clear everything first, then set (value) or remove (null) keys.</summary>
internal sealed record MetadataChange(bool ClearAll, IReadOnlyDictionary<string, string?> Changes)
{
    public IReadOnlyDictionary<string, string> ApplyTo(IReadOnlyDictionary<string, string> current)
    {
        var result = ClearAll ? new SortedDictionary<string, string>(StringComparer.Ordinal) : new SortedDictionary<string, string>(current.ToDictionary(), StringComparer.Ordinal);
        foreach (var (key, value) in Changes)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = value;
            }
        }

        if (result.Count > StripeParams.MaxMetadataKeys)
        {
            throw StripeApiException.InvalidRequest($"You can have up to {StripeParams.MaxMetadataKeys} metadata keys.", "metadata");
        }

        return result;
    }
}
