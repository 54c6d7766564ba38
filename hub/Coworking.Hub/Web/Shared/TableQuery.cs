using System.Globalization;

namespace Coworking.Hub.Web.Shared;

/// <summary>
/// A list's position as the query string carries it (<c>?sort=name&amp;dir=desc&amp;page=3</c>), so every list pages and
/// sorts on the server, a page can be bookmarked, and the links work without script. A store answers one page of
/// <see cref="Size"/> rows sorted by <see cref="Sort"/>, plus one more row to tell whether a next page exists.
/// </summary>
public sealed record TableQuery(string Sort, bool Descending, int Page, int Size)
{
    public const int DefaultSize = 25;
    public const int MaxPage = 10_000;

    public int Offset => (Page - 1) * Size;

    /// <summary>Reads the query values, falling back to the first allowed sort and page 1 for anything unknown.</summary>
    public static TableQuery Read(string? sort, string? dir, int? page, IReadOnlyList<string> allowedSorts, int size = DefaultSize) =>
        new(
            sort is not null && allowedSorts.Contains(sort, StringComparer.Ordinal) ? sort : allowedSorts[0],
            string.Equals(dir, "desc", StringComparison.Ordinal),
            page is >= 1 and <= MaxPage ? page.Value : 1,
            size);

    /// <summary>The query values of this position moved to <paramref name="sort"/> (flipping the direction when already sorted by it).</summary>
    public IReadOnlyDictionary<string, object?> SortedBy(string sort) => new Dictionary<string, object?>
    {
        ["sort"] = sort,
        ["dir"] = sort == Sort && !Descending ? "desc" : null,
        ["page"] = null,
    };

    public IReadOnlyDictionary<string, object?> AtPage(int page) => new Dictionary<string, object?>
    {
        ["page"] = page == 1 ? null : page.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>One page of a list; <see cref="HasNext"/> says whether a further page exists.</summary>
public sealed record TablePage<T>(IReadOnlyList<T> Rows, bool HasNext)
{
    /// <summary>Trims the extra row a store read (<see cref="TableQuery.Size"/> + 1) into <see cref="HasNext"/>.</summary>
    public static TablePage<T> From(IReadOnlyList<T> rowsPlusOne, TableQuery query) =>
        new([.. rowsPlusOne.Take(query.Size)], rowsPlusOne.Count > query.Size);
}
