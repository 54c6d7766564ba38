using System.Text.Json;
using Coworking.Hub.Credentials;
using Coworking.Hub.Locations;
using Coworking.Hub.Members;
using Coworking.Hub.Tiers;
using Coworking.Proto.V1;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Access;

/// <summary>
/// What decides a member's access at the edges: status, home location and the tier's access at that location
/// (null for a member without a membership, who keeps the all-hours grant members had before tiers).
/// </summary>
internal sealed record MemberAccessState(Guid Id, MemberStatus Status, Guid? HomeLocationId, TierAccess? Access)
{
    /// <summary>An active member holds a membership grant unless the tier opens only what is booked.</summary>
    public bool HasMembershipGrant => Status == MemberStatus.Active && Access != TierAccess.BookingsOnly;
}

/// <summary>
/// Derives the change-log entries for a member going from one access state to another (ARCHITECTURE §3),
/// inside the writing transaction: the holder's status, the membership grant at the home location (all hours,
/// staffed hours or none, by tier), credentials moving with the home location, and the status of the member's
/// live booking and visitor passes, so that a paused or suspended member's passes stop opening doors too.
/// </summary>
internal static class MemberAccess
{
    public static async Task<List<LocationChange>> ChangesAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, MemberAccessState? before, MemberAccessState after, IReadOnlyList<CredentialRow> liveCredentials,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var changes = new List<LocationChange>();
        var hadGrant = before?.HasMembershipGrant ?? false;
        var hasGrant = after.HasMembershipGrant;
        if (before?.HomeLocationId is { } oldHome && oldHome != after.HomeLocationId)
        {
            changes.AddRange(liveCredentials.Select(c => new LocationChange(oldHome, Changes.CredentialRevoked(c.Id))));
            if (hadGrant)
            {
                changes.Add(new LocationChange(oldHome, Changes.MembershipGrantRemoved(after.Id, oldHome)));
            }
        }

        if (after.HomeLocationId is { } home)
        {
            var moved = before is null || before.HomeLocationId != home;
            if (moved || before!.Status != after.Status)
            {
                changes.Add(new LocationChange(home, Changes.Holder(after.Id, HolderStatusOf(after.Status))));
            }

            if (moved)
            {
                changes.AddRange(liveCredentials.Select(c => new LocationChange(home, c.ToChange())));
            }

            if (hasGrant && (moved || !hadGrant || before!.Access != after.Access))
            {
                var schedule = after.Access == TierAccess.StaffedHours ? (await StaffedHoursAsync(conn, tx, home, cancellationToken)).ToList() : null;
                if (schedule is [])
                {
                    // An empty schedule would mean all hours: a location never staffed gives staffed-hours tiers no grant.
                    if (hadGrant && !moved)
                    {
                        changes.Add(new LocationChange(home, Changes.MembershipGrantRemoved(after.Id, home)));
                    }
                }
                else
                {
                    changes.Add(new LocationChange(home, Changes.MembershipGrant(after.Id, home, now, schedule)));
                }
            }
            else if (!hasGrant && hadGrant && !moved)
            {
                changes.Add(new LocationChange(home, Changes.MembershipGrantRemoved(after.Id, home)));
            }
        }

        if (before is not null && before.Status != after.Status)
        {
            changes.AddRange(await PassStatusChangesAsync(conn, tx, after.Id, after.Status, now, cancellationToken));
        }

        return changes;
    }

    /// <summary>The holder status of each of the member's passes that may still open a door.</summary>
    private static async Task<IEnumerable<LocationChange>> PassStatusChangesAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid memberId, MemberStatus status, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var passes = await conn.QueryAsync<(Guid Id, Guid LocationId)>(new CommandDefinition(
            """
            SELECT id, location_id FROM bookings
            WHERE member_id = @memberId AND kind = 'member' AND cancelled_at IS NULL AND ends_at > @now
            UNION ALL
            SELECT id, location_id FROM visitors
            WHERE host_member_id = @memberId AND cancelled_at IS NULL AND ends_at > @now
            ORDER BY id
            """,
            new { memberId, now },
            tx,
            cancellationToken: cancellationToken));
        return passes.Select(p => new LocationChange(p.LocationId, Changes.Holder(p.Id, HolderStatusOf(status))));
    }

    private static async Task<IEnumerable<WeeklyWindow>> StaffedHoursAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid locationId, CancellationToken cancellationToken)
    {
        var json = await conn.QuerySingleAsync<string>(new CommandDefinition(
            "SELECT staffed_hours::text FROM locations WHERE id = @locationId",
            new { locationId },
            tx,
            cancellationToken: cancellationToken));
        return (JsonSerializer.Deserialize<StaffedHours>(json, JsonSerializerOptions.Web) ?? new StaffedHours()).ToWeeklyWindows();
    }

    public static HolderStatus HolderStatusOf(MemberStatus status) => status switch
    {
        MemberStatus.Active => HolderStatus.Active,
        MemberStatus.Paused => HolderStatus.Paused,
        MemberStatus.Suspended => HolderStatus.Suspended,
        MemberStatus.Cancelled => HolderStatus.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };
}
