using Coworking.Hub.Access;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Bookings;

/// <summary>
/// A booking's grant lists the doors of its resource's area (a visitor's covers all doors, so it needs nothing
/// here). When a door joins or leaves an area, the grants of the area's bookings that have not ended are issued
/// again with the area's live doors, so a door added later opens for them and a removed one no longer does.
/// </summary>
internal static class AreaPasses
{
    /// <summary>
    /// The new grants of the area's member bookings that have not ended, inside the door change's transaction
    /// (it reads the doors that transaction sees, the new or removed door included). The area's resources are
    /// locked first, in id order: a booking being made there locks its resource from before it reads the doors until
    /// it commits, so this waits for it and then sees it, and a booking that comes later waits for this
    /// change to commit before it reads the doors.
    /// </summary>
    public static async Task<IReadOnlyList<LocationChange>> RegrantAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid locationId, Guid areaId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await conn.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM resources WHERE area_id = @areaId ORDER BY id FOR NO KEY UPDATE", new { areaId }, tx, cancellationToken: cancellationToken));
        var bookings = (await conn.QueryAsync<(Guid Id, DateTimeOffset StartsAt, DateTimeOffset EndsAt)>(new CommandDefinition(
            """
            SELECT b.id, b.starts_at, b.ends_at FROM bookings b JOIN resources r ON r.id = b.resource_id
            WHERE r.area_id = @areaId AND b.kind = 'member' AND b.cancelled_at IS NULL AND b.ends_at > @now
            ORDER BY b.id
            """,
            new { areaId, now },
            tx,
            cancellationToken: cancellationToken))).ToList();
        if (bookings.Count == 0)
        {
            return [];
        }

        var doors = await Passes.DoorsOfAreaAsync(conn, tx, areaId, cancellationToken);
        return [.. bookings.Select(b => new LocationChange(locationId, Changes.PassGrant(b.Id, doors, allDoors: false, b.StartsAt - BookingRow.AccessLead, b.EndsAt)))];
    }
}
