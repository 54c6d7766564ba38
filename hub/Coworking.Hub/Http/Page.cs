using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Coworking.Hub.Http;

/// <summary>A list answer; <see cref="NextCursor"/> is set when more items follow.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// Keyset position (an instant and an id) handed to clients as an opaque token, so a page stays
/// correct while rows are added.
/// </summary>
internal readonly record struct PageCursor(DateTimeOffset At, Guid Id)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    public string Encode() =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"{At.UtcTicks}:{Id:N}")));

    public static bool TryDecode(string? token, out PageCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(token))
        {
            return true;
        }

        if (token.Length > 100 || !Base64Url.IsValid(token))
        {
            return false;
        }

        var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(token));
        var parts = text.Split(':');
        if (parts.Length != 2
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks
            || !Guid.TryParseExact(parts[1], "N", out var id))
        {
            return false;
        }

        cursor = new PageCursor(new DateTimeOffset(ticks, TimeSpan.Zero), id);
        return true;
    }

    /// <summary>Checks limit and cursor query values, adding errors for the bad ones.</summary>
    public static (int Limit, PageCursor? Cursor) Read(int? limit, string? cursor, ValidationErrors errors)
    {
        var size = limit ?? DefaultLimit;
        if (size is < 1 or > MaxLimit)
        {
            errors.Add("limit", $"must be between 1 and {MaxLimit}");
        }

        if (!TryDecode(cursor, out var position))
        {
            errors.Add("cursor", "is not a cursor this API handed out");
        }

        return (size, position);
    }
}

/// <summary>The tail every keyset-paged list shares.</summary>
internal static class PageOf
{
    /// <summary>
    /// The page of rows read with <c>LIMIT limit + 1</c>: the first <paramref name="limit"/> mapped, and a cursor at the
    /// last of them when another row followed.
    /// </summary>
    public static Page<TItem> Rows<TRow, TItem>(IReadOnlyList<TRow> rows, int limit, Func<TRow, PageCursor> position, Func<TRow, TItem> map) =>
        new([.. rows.Take(limit).Select(map)], rows.Count > limit ? position(rows[limit - 1]).Encode() : null);
}
