namespace Coworking.Edge.Bridges.Salto;

/// <summary>One of the bridge's access groups at a Salto KS site: its key (lock set and window, from its name), its locks and its users.</summary>
internal sealed record SaltoHeldGroup(SaltoAccessGroup Group, string Key, HashSet<string> Locks, HashSet<string> Users);

/// <summary>
/// What one Salto KS site holds of the bridge's own: its site users by holder and its access groups with their locks and
/// users. A full reconcile lists it all; a nudged one starts from what the last reconcile left, kept up to date by every
/// write, and reads again only the holders whose access changed since (<see cref="RereadAsync"/>).
/// </summary>
internal sealed class SaltoHoldings
{
    /// <summary>How many <c>… eq '…'</c> terms one <c>$filter</c> carries, so the query stays short.</summary>
    private const int FilterTerms = 25;

    public Dictionary<string, string> UserByHolder { get; } = new(StringComparer.Ordinal);

    public List<SaltoHeldGroup> Groups { get; } = [];

    /// <summary>Every site user and access group of the bridge's, with each group's locks and users.</summary>
    public static async Task<SaltoHoldings> ReadAsync(SaltoClient client, string site, CancellationToken cancellationToken)
    {
        var holdings = new SaltoHoldings();
        holdings.AddUsers(await client.UsersAsync(site, null, cancellationToken));
        foreach (var group in (await client.AccessGroupsAsync(site, cancellationToken)).Where(g => g.Name.StartsWith(SaltoBridge.GroupPrefix, StringComparison.Ordinal)))
        {
            holdings.Groups.Add(new SaltoHeldGroup(
                group, group.Name[SaltoBridge.GroupPrefix.Length..],
                (await client.GroupLocksAsync(site, group.Id, cancellationToken)).Select(l => l.Id).ToHashSet(StringComparer.Ordinal),
                (await client.GroupUsersAsync(site, group.Id, null, cancellationToken)).Select(u => u.Id).ToHashSet(StringComparer.Ordinal)));
        }

        return holdings;
    }

    /// <summary>The keys of the access groups each holder's user is in, as far as these holdings know.</summary>
    public Dictionary<string, HashSet<string>> GroupKeysByHolder() =>
        UserByHolder.ToDictionary(p => p.Key, p => Groups.Where(g => g.Users.Contains(p.Value)).Select(g => g.Key).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>
    /// Forgets what these holdings say of the holders and reads them from Salto KS instead: their site users through
    /// <c>$filter=external_id eq '…' or …</c>, and their memberships of the groups they were in or are wanted in through
    /// <c>$filter=id eq '…' or …</c> on those groups' users; nobody else is read.
    /// </summary>
    public async Task RereadAsync(SaltoClient client, string site, IReadOnlyCollection<string> holders, IReadOnlySet<string> wantedKeys, CancellationToken cancellationToken)
    {
        var forgotten = holders.Where(UserByHolder.ContainsKey).Select(h => UserByHolder[h]).ToHashSet(StringComparer.Ordinal);
        var groups = Groups.Where(g => wantedKeys.Contains(g.Key) || g.Users.Overlaps(forgotten)).ToList();
        foreach (var holder in holders)
        {
            UserByHolder.Remove(holder);
        }

        Groups.ForEach(g => g.Users.ExceptWith(forgotten));
        foreach (var chunk in holders.Chunk(FilterTerms))
        {
            AddUsers(await client.UsersAsync(site, Any("external_id", chunk.Select(h => SaltoBridge.UserPrefix + h)), cancellationToken));
        }

        var users = holders.Where(UserByHolder.ContainsKey).Select(h => UserByHolder[h]).ToList();
        foreach (var group in users.Count == 0 ? [] : groups)
        {
            foreach (var chunk in users.Chunk(FilterTerms))
            {
                group.Users.UnionWith((await client.GroupUsersAsync(site, group.Group.Id, Any("id", chunk), cancellationToken)).Select(u => u.Id));
            }
        }
    }

    /// <summary>OData's <c>field eq 'a' or field eq 'b'</c>, quotes inside a value doubled.</summary>
    private static string Any(string field, IEnumerable<string> values) =>
        string.Join(" or ", values.Select(v => $"{field} eq '{v.Replace("'", "''", StringComparison.Ordinal)}'"));

    private void AddUsers(IEnumerable<SaltoUser> users)
    {
        foreach (var user in users.Where(u => u.ExternalId?.StartsWith(SaltoBridge.UserPrefix, StringComparison.Ordinal) == true))
        {
            UserByHolder.TryAdd(user.ExternalId![SaltoBridge.UserPrefix.Length..], user.Id);
        }
    }
}
