using Dapper;

namespace Coworking.Hub.Members;

internal sealed partial class MemberStore
{
    /// <summary>The names of the organisation's members among <paramref name="ids"/>, for lists that show events by member.</summary>
    public async Task<IReadOnlyDictionary<Guid, string>> NamesAsync(Guid organisationId, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return new Dictionary<Guid, string>();
        }

        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<(Guid Id, string Name)>(new CommandDefinition(
            "SELECT id, name FROM members WHERE organisation_id = @organisationId AND id = ANY(@ids)",
            new { organisationId, ids = ids.Distinct().ToArray() },
            cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Id, r => r.Name);
    }
}
