using Npgsql;

namespace Coworking.Web.Tests.Support;

/// <summary>
/// Events as an edge's upload leaves them in the hub's tables (the intake writes access_events and edge_events, with the
/// time they reached the hub): the browser tests have no edge of their own, and the console reads only these tables.
/// </summary>
public static class EdgeReports
{
    public static async Task AccessEventAsync(this WebHub web, Guid locationId, Guid doorId, Guid memberId, string decision, string reason)
    {
        await using var conn = new NpgsqlConnection(web.ConnectionString);
        await conn.OpenAsync();
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO access_events (id, organisation_id, location_id, edge_id, event_id, door_id, member_id, decision, reason, occurred_at, received_at)
            VALUES (gen_random_uuid(), @organisationId, @locationId, 'web-test-edge', gen_random_uuid()::text, @doorId, @memberId, @decision, @reason, now(), now())
            """,
            conn);
        insert.Parameters.AddWithValue("organisationId", web.OrganisationId);
        insert.Parameters.AddWithValue("locationId", locationId);
        insert.Parameters.AddWithValue("doorId", doorId);
        insert.Parameters.AddWithValue("memberId", memberId);
        insert.Parameters.AddWithValue("decision", decision);
        insert.Parameters.AddWithValue("reason", reason);
        await insert.ExecuteNonQueryAsync();
    }

    public static async Task DoorEventAsync(this WebHub web, Guid locationId, Guid doorId, string kind)
    {
        await using var conn = new NpgsqlConnection(web.ConnectionString);
        await conn.OpenAsync();
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO edge_events (id, organisation_id, location_id, edge_id, event_id, kind, door_id, occurred_at, received_at)
            VALUES (gen_random_uuid(), @organisationId, @locationId, 'web-test-edge', gen_random_uuid()::text, @kind, @doorId, now(), now())
            """,
            conn);
        insert.Parameters.AddWithValue("organisationId", web.OrganisationId);
        insert.Parameters.AddWithValue("locationId", locationId);
        insert.Parameters.AddWithValue("doorId", doorId);
        insert.Parameters.AddWithValue("kind", kind);
        await insert.ExecuteNonQueryAsync();
    }
}
