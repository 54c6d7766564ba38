namespace Coworking.Edge.Cache;

/// <summary>
/// The hub's id of a holder, credential or grant, as the index keeps it. The hub's ids are UUIDs in their
/// lowercase text form: those are kept as the 16-byte <see cref="Guid"/> alone (no string per id, a cheap
/// hash); any other text (tests, older data) is kept as it is, so every id round-trips exactly.
/// <c>default</c> is the empty id, "none".
/// </summary>
public readonly struct EntityId : IEquatable<EntityId>
{
    private readonly Guid _guid;
    private readonly string? _text;

    private EntityId(Guid guid, string? text)
    {
        _guid = guid;
        _text = text;
    }

    /// <summary>The empty id.</summary>
    public static EntityId None => default;

    public bool IsNone => _text is null && _guid == Guid.Empty;

    public static EntityId Of(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return default;
        }

        return text.Length == 36 && Guid.TryParseExact(text, "D", out var guid) && guid != Guid.Empty && IsCanonical(text, guid)
            ? new EntityId(guid, null)
            : new EntityId(default, text);
    }

    public bool Equals(EntityId other) => _guid == other._guid && string.Equals(_text, other._text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is EntityId other && Equals(other);

    public override int GetHashCode() => _text is null ? _guid.GetHashCode() : _text.GetHashCode(StringComparison.Ordinal);

    /// <summary>The id's text exactly as the hub sent it; a UUID id makes a new string each time.</summary>
    public override string ToString() => _text ?? (_guid == Guid.Empty ? "" : _guid.ToString());

    public static bool operator ==(EntityId left, EntityId right) => left.Equals(right);

    public static bool operator !=(EntityId left, EntityId right) => !left.Equals(right);

    /// <summary>Only the form <see cref="Guid.ToString()"/> gives back, so ToString returns the very text received.</summary>
    private static bool IsCanonical(string text, Guid guid)
    {
        Span<char> formatted = stackalloc char[36];
        return guid.TryFormat(formatted, out var written) && written == 36 && formatted.SequenceEqual(text);
    }
}
