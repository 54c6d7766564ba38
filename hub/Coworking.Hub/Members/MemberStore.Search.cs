using Coworking.Hub.Database;
using Dapper;

namespace Coworking.Hub.Members;

/// <summary>How the console's member list may be ordered; each is one fixed ORDER BY, never text from the request.</summary>
public enum MemberSort
{
    Name,
    Email,
    Status,
    Joined,
}

/// <summary>The console's member search: one page of a filtered, sorted list.</summary>
/// <param name="Text">Part of a name, e-mail address or company, any case; null or blank for everyone.</param>
public sealed record MemberQuery(string? Text, MemberStatus? Status, MemberSort Sort, bool Descending, int Offset, int Limit);

internal sealed partial class MemberStore
{
    /// <summary>
    /// Members of the organisation (and of <paramref name="scope"/>'s home locations) matching <paramref name="query"/>,
    /// <see cref="MemberQuery.Limit"/> of them from <see cref="MemberQuery.Offset"/>, ties broken by id so pages never
    /// overlap. The search text is a parameter and its LIKE wildcards are escaped: it matches only as written.
    /// </summary>
    public async Task<IReadOnlyList<MemberResponse>> SearchAsync(Guid organisationId, Guid[]? scope, MemberQuery query, CancellationToken cancellationToken)
    {
        var order = (query.Sort, query.Descending) switch
        {
            (MemberSort.Name, false) => "lower(name), id",
            (MemberSort.Name, true) => "lower(name) DESC, id DESC",
            (MemberSort.Email, false) => "lower(email), id",
            (MemberSort.Email, true) => "lower(email) DESC, id DESC",
            (MemberSort.Status, false) => "status, lower(name), id",
            (MemberSort.Status, true) => "status DESC, lower(name), id",
            (MemberSort.Joined, false) => "created_at, id",
            _ => "created_at DESC, id DESC",
        };
        var text = string.IsNullOrWhiteSpace(query.Text) ? null : query.Text.Trim();
        var pattern = text is null ? null : "%" + text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal) + "%";
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<MemberRow>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM members
            WHERE organisation_id = @organisationId
              AND (@scope::uuid[] IS NULL OR home_location_id = ANY(@scope))
              AND (@status::text IS NULL OR status = @status)
              AND (@pattern::text IS NULL OR name ILIKE @pattern OR email ILIKE @pattern OR company ILIKE @pattern)
            ORDER BY {order}
            OFFSET @offset LIMIT @limit
            """,
            new { organisationId, scope, status = query.Status?.ToDb(), pattern, offset = query.Offset, limit = query.Limit },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToResponse())];
    }

    /// <summary>How many members of the organisation (and of <paramref name="scope"/>'s home locations) have each status.</summary>
    public async Task<IReadOnlyDictionary<MemberStatus, long>> CountByStatusAsync(Guid organisationId, Guid[]? scope, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<(string Status, long Count)>(new CommandDefinition(
            """
            SELECT status, count(*) FROM members
            WHERE organisation_id = @organisationId AND (@scope::uuid[] IS NULL OR home_location_id = ANY(@scope))
            GROUP BY status
            """,
            new { organisationId, scope },
            cancellationToken: cancellationToken));
        return rows.ToDictionary(r => DbText.Parse<MemberStatus>(r.Status), r => r.Count);
    }
}
