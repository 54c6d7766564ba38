using Coworking.Hub.Access;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Bookings;

/// <summary>
/// A booking's grant lists the doors of its resource's area (a visitor's covers all doors, so it needs nothing
/// here). When a door joins or leaves an area, the access compiler works out the area's live passes again, so a door
/// added later opens for them and a removed one no longer does.
/// </summary>
internal static class AreaPasses
{
    /// <summary>
    /// The changed grants of the area's live passes, inside the door change's transaction (it reads the doors that
    /// transaction sees, the new or removed door included). The area's resources are locked first, in id order: a
    /// booking being made there locks its resource from before it reads the doors until it commits, so this waits for
    /// it and then sees it, and a booking that comes later waits for this change to commit before it reads the doors.
    /// </summary>
    public static async Task<IReadOnlyList<LocationChange>> RegrantAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid areaId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await conn.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM resources WHERE area_id = @areaId ORDER BY id FOR NO KEY UPDATE", new { areaId }, tx, cancellationToken: cancellationToken));
        return await AccessCompiler.PassesOfAreaAsync(conn, tx, areaId, now, cancellationToken);
    }
}
