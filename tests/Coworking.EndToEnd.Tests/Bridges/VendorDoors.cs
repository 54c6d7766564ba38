using System.Text.Json;
using Coworking.Testing;
using Coworking.Testing.Sync;
using Npgsql;

namespace Coworking.EndToEnd.Tests.Bridges;

/// <summary>What the vendor bridges' end-to-end tests set up and read alike: a vendor door, bookings, the hub's access log.</summary>
internal static class VendorDoors
{
    /// <summary>
    /// A door in an area of its own, driven by the vendor's controller, and the location's account of that vendor pointing at
    /// the simulator; returns once the edge's bridge drives the door.
    /// </summary>
    public static async Task<(Guid AreaId, Guid DoorId)> AddAsync(SyncSite site, string vendor, string name, object controller, object account)
    {
        var (area, door) = await site.Api.CreateAreaWithDoorAsync(site.LocationId, $"{name} wing", $"{name} door");
        await site.Api.PutAsync($"/api/v1/locations/{site.LocationId}/doors/{door}/controller", controller);
        await site.Api.PutAsync($"/api/v1/locations/{site.LocationId}/vendor-accounts/{vendor}", account);
        await site.SyncedAsync();
        await site.Edge.WaitForStatusAsync(s => Bridge(s, vendor) is { } b && b.GetProperty("doors").GetInt32() == 1, $"the {name} bridge drives the door");
        return (area, door);
    }

    /// <summary>The vendor's bridge in the edge's /status, or null.</summary>
    public static JsonElement? Bridge(JsonElement status, string vendor) =>
        status.GetProperty("bridges").EnumerateArray().Where(b => b.GetProperty("vendor").GetString() == vendor).Select(b => (JsonElement?)b).FirstOrDefault();

    /// <summary>The edge's settings for a test that counts a vendor's calls: no full reconcile and no event poll while it runs.</summary>
    /// <param name="section">The vendor's section under <c>Edge:Bridges</c>: Kisi, Brivo or Salto.</param>
    public static Dictionary<string, string> QuietSettings(string section) => new()
    {
        [$"Edge__Bridges__{section}__ReconcileSeconds"] = "300",
        [$"Edge__Bridges__{section}__EventPollSeconds"] = "300",
    };

    /// <summary>
    /// Once the vendor's bridge is in step, suspends Ada at the hub and waits the 2 s the bridges promise for
    /// <paramref name="gone"/> to hold of the vendor's state; answers that state before the suspension and after.
    /// </summary>
    public static async Task<(JsonElement Before, JsonElement After)> SuspendAdaAsync(SyncSite site, string vendor, string name, Func<Task<JsonElement>> state, Func<JsonElement, bool> gone)
    {
        await site.Edge.WaitForStatusAsync(s => Bridge(s, vendor)?.GetProperty("state").GetString() == "in_step", $"the {name} bridge in step");
        var before = await state();

        await site.Api.SuspendAsync(site.AdaId);
        await Eventually.Async(async () => gone(await state()), $"Ada's {name} grant gone within the 2 s the bridges promise", () => site.Edge.Output, TimeSpan.FromSeconds(2));
        return (before, await state());
    }

    /// <summary>The holder's bookings of the room, one an hour from the next full hour but one, each half an hour long.</summary>
    public static async Task<List<Guid>> HourlyBookingsAsync(SyncSite site, Guid holder, Guid room, int count)
    {
        var start = DateTimeOffset.UtcNow.AddHours(2);
        start = new DateTimeOffset(start.Year, start.Month, start.Day, start.Hour, 0, 0, TimeSpan.Zero);
        var bookings = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            bookings.Add((await site.Api.BookAsync(holder, room, start.AddHours(i), start.AddHours(i).AddMinutes(30))).GetProperty("id").GetGuid());
        }

        return bookings;
    }

    /// <summary>The last 4,000 characters a simulator or edge printed, for a failure's message.</summary>
    public static Func<string> Tail(Func<string> output) => () => output() is var text && text.Length > 4000 ? text[^4000..] : text;

    /// <summary>The hub's access log of the site's edge, oldest first.</summary>
    public static async Task<List<(Guid Door, string Reason, Guid? Member)>> AccessEventsAsync(SyncSite site)
    {
        await using var conn = new NpgsqlConnection(site.Api.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT door_id, reason, member_id FROM access_events WHERE edge_id = @id ORDER BY occurred_at", conn);
        cmd.Parameters.AddWithValue("id", site.Edge.EdgeId);
        var events = new List<(Guid, string, Guid?)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            events.Add((reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetGuid(2)));
        }

        return events;
    }
}
