using Coworking.Edge.Cache;
using Coworking.Proto.V1;

namespace Coworking.Edge.Bridges.Kisi;

/// <summary>One role assignment the bridge wants at Kisi: the holder's user in the group of these locks, inside this window.</summary>
/// <param name="LockSet">The Kisi lock ids, sorted, comma-separated: the group's key.</param>
internal sealed record DesiredAssignment(string HolderId, string LockSet, DateTimeOffset? ValidFrom, DateTimeOffset? ValidUntil);

/// <summary>
/// What Kisi should hold, from the grant cache alone (docs/BRIDGES.md): for each active holder and each grant of theirs
/// that covers Kisi doors, a <c>group_basic</c> assignment in the group of exactly those locks with the grant's window.
/// Kisi's assignments know only a start and an end, so weekly windows become dated assignments (<see cref="VendorGrants"/>).
/// </summary>
internal static class KisiDesiredState
{
    public static Dictionary<string, long> KisiDoors(CacheIndex index) =>
        index.Doors.Where(d => d.Controller == DoorController.Kisi && long.TryParse(d.VendorLockId, out _))
            .ToDictionary(d => d.DoorId, d => long.Parse(d.VendorLockId, System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);

    public static HashSet<DesiredAssignment> Compute(CacheIndex index, IReadOnlyDictionary<string, long> doors, DateTimeOffset now, TimeSpan horizon) =>
        [.. VendorGrants.Compute(index, doors, now, horizon).Select(g => new DesiredAssignment(g.HolderId, g.LockSet, g.ValidFrom, g.ValidUntil))];
}
