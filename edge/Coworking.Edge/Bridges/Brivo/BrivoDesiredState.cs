using System.Globalization;
using Coworking.Edge.Cache;
using Coworking.Proto.V1;

namespace Coworking.Edge.Bridges.Brivo;

/// <summary>
/// How a grant is written at Brivo (docs/BRIDGES.md): a Brivo schedule per window (an enabling exception block from the
/// grant's start to its end; a grant without either is open every day 00:00-24:00), a group per access-point set and
/// window with a permission on each of those access points under the window's schedule, and the holder's user a member.
/// The names carry the keys, so the bridge recognises its own objects and leaves everybody else's alone.
/// </summary>
internal static class BrivoDesiredState
{
    public const string UserPrefix = "coworking:";
    public const string GroupPrefix = "coworking ";
    public const string SchedulePrefix = "coworking window ";

    private static readonly DateTimeOffset Beginning = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset End = new(9999, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The location's Brivo doors, by hub door id, with their access-point ids.</summary>
    public static Dictionary<string, long> BrivoDoors(CacheIndex index) =>
        index.Doors.Where(d => d.Controller == DoorController.Brivo && long.TryParse(d.VendorLockId, CultureInfo.InvariantCulture, out _))
            .ToDictionary(d => d.DoorId, d => long.Parse(d.VendorLockId, CultureInfo.InvariantCulture), StringComparer.Ordinal);

    /// <summary>A window's key: start and end as Unix seconds, either empty when open.</summary>
    public static string WindowKey(DateTimeOffset? from, DateTimeOffset? until) =>
        $"{from?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}~{until?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}";

    public static string GroupName(string accessPointSet, string windowKey) => $"{GroupPrefix}{accessPointSet} {windowKey}";

    public static (string AccessPointSet, string WindowKey)? ParseGroup(string name) =>
        name.StartsWith(GroupPrefix, StringComparison.Ordinal) && !name.StartsWith(SchedulePrefix, StringComparison.Ordinal)
        && name[GroupPrefix.Length..].Split(' ') is [var set, var window] ? (set, window) : null;

    public static (IReadOnlyList<BrivoScheduleBlock> Blocks, IReadOnlyList<BrivoScheduleException> Exceptions) Schedule(DateTimeOffset? from, DateTimeOffset? until) =>
        from is null && until is null
            ? (Enumerable.Range(0, 7).Select(d => new BrivoScheduleBlock(d, "00:00", "24:00")).ToList(), [])
            : ([], [new BrivoScheduleException(from ?? Beginning, until ?? End, Enabling: true)]);
}
