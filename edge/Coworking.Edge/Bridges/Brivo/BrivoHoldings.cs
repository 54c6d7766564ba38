namespace Coworking.Edge.Bridges.Brivo;

/// <summary>One of the bridge's Brivo groups: its access-point set and window (from its name), its members and its permissions.</summary>
internal sealed record BrivoHeldGroup(BrivoGroup Group, string Set, string Window, HashSet<long> Members, List<BrivoPermission> Permissions);

/// <summary>
/// What Brivo holds of the bridge's own: its users and credentials by holder, its schedules by window, its groups with their
/// members and permissions. A full reconcile lists it all; a nudged one starts from what the last reconcile left, kept up to
/// date by every write, and reads again from Brivo only the holders whose access changed since (<see cref="RereadAsync"/>).
/// </summary>
internal sealed class BrivoHoldings
{
    /// <summary>How many values one <c>field__eq:a,b,…</c> filter carries, so the query stays short.</summary>
    private const int FilterValues = 50;

    public Dictionary<string, long> UserByHolder { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, BrivoCredential> CredentialByHolder { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> ScheduleByWindow { get; } = new(StringComparer.Ordinal);

    public List<BrivoHeldGroup> Groups { get; } = [];

    /// <summary>Every user, credential, schedule and group of the bridge's, with each group's members and permissions.</summary>
    public static async Task<BrivoHoldings> ReadAsync(BrivoClient client, CancellationToken cancellationToken)
    {
        var holdings = new BrivoHoldings();
        holdings.AddUsers(await client.UsersAsync(null, cancellationToken));
        holdings.AddCredentials(await client.CredentialsAsync(null, cancellationToken));
        foreach (var schedule in (await client.SchedulesAsync(cancellationToken)).Where(s => s.Name.StartsWith(BrivoDesiredState.SchedulePrefix, StringComparison.Ordinal)))
        {
            holdings.ScheduleByWindow.TryAdd(schedule.Name[BrivoDesiredState.SchedulePrefix.Length..], schedule.Id);
        }

        foreach (var group in await client.GroupsAsync(cancellationToken))
        {
            if (BrivoDesiredState.ParseGroup(group.Name) is { } key)
            {
                holdings.Groups.Add(new BrivoHeldGroup(
                    group, key.AccessPointSet, key.WindowKey,
                    [.. (await client.GroupUsersAsync(group.Id, cancellationToken)).Select(u => u.Id)],
                    await client.GroupPermissionsAsync(group.Id, cancellationToken)));
            }
        }

        return holdings;
    }

    /// <summary>The memberships (access-point set, window) Brivo holds for each holder, as far as these holdings know.</summary>
    public Dictionary<string, HashSet<(string Set, string Window)>> MembershipsByHolder()
    {
        var holderByUser = UserByHolder.ToDictionary(p => p.Value, p => p.Key);
        var memberships = UserByHolder.Keys.ToDictionary(h => h, _ => new HashSet<(string, string)>(), StringComparer.Ordinal);
        foreach (var group in Groups)
        {
            foreach (var user in group.Members.Where(holderByUser.ContainsKey))
            {
                memberships[holderByUser[user]].Add((group.Set, group.Window));
            }
        }

        return memberships;
    }

    /// <summary>
    /// Forgets what these holdings say of the holders and reads them from Brivo instead: their users and credentials through
    /// <c>filter=externalId__eq:…</c> and <c>filter=referenceId__eq:…</c>, and each user's groups; nobody else is read.
    /// </summary>
    public async Task RereadAsync(BrivoClient client, IReadOnlyCollection<string> holders, CancellationToken cancellationToken)
    {
        var forgotten = holders.Where(UserByHolder.ContainsKey).Select(h => UserByHolder[h]).ToHashSet();
        foreach (var holder in holders)
        {
            UserByHolder.Remove(holder);
            CredentialByHolder.Remove(holder);
        }

        foreach (var group in Groups)
        {
            group.Members.ExceptWith(forgotten);
        }

        foreach (var chunk in holders.Select(h => BrivoDesiredState.UserPrefix + h).Chunk(FilterValues))
        {
            var filter = string.Join(',', chunk);
            AddUsers(await client.UsersAsync("externalId__eq:" + filter, cancellationToken));
            AddCredentials(await client.CredentialsAsync("referenceId__eq:" + filter, cancellationToken));
        }

        var groupById = Groups.ToDictionary(g => g.Group.Id);
        foreach (var holder in holders.Where(UserByHolder.ContainsKey))
        {
            var user = UserByHolder[holder];
            foreach (var group in await client.UserGroupsAsync(user, cancellationToken))
            {
                if (groupById.TryGetValue(group.Id, out var held))
                {
                    held.Members.Add(user);
                }
            }
        }
    }

    private void AddUsers(IEnumerable<BrivoUser> users)
    {
        foreach (var user in users.Where(u => u.ExternalId?.StartsWith(BrivoDesiredState.UserPrefix, StringComparison.Ordinal) == true))
        {
            UserByHolder.TryAdd(user.ExternalId![BrivoDesiredState.UserPrefix.Length..], user.Id);
        }
    }

    private void AddCredentials(IEnumerable<BrivoCredential> credentials)
    {
        foreach (var credential in credentials.Where(c => c.ReferenceId.StartsWith(BrivoDesiredState.UserPrefix, StringComparison.Ordinal)))
        {
            CredentialByHolder.TryAdd(credential.ReferenceId[BrivoDesiredState.UserPrefix.Length..], credential);
        }
    }
}
