using System.Text.Json;
using Coworking.Testing;
using Coworking.Testing.Sync;

namespace Coworking.EndToEnd.Tests.Sync;

/// <summary>
/// A rolling upgrade (docs/OPERATIONS.md, "Upgrades without downtime"): two hub instances of the version before the newest
/// migration on one database, upgraded one at a time to this checkout's. While the old and the new version share the
/// schema, both take bookings and changes, and the edge stays connected to the old one.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class RollingUpgradeTests
{
    [Fact]
    public async Task Bookings_and_the_door_keep_working_while_two_hub_instances_are_upgraded_one_at_a_time()
    {
        var previous = await HubBuild.BeforeNewestMigrationAsync();
        await using var site = await SyncSite.StartAsync(hubs: 2, hubBuild: previous);
        var (first, second) = (site.Hubs[0], site.Hubs[1]);
        await site.Edge.WaitForStatusAsync(s => Sync(s).GetProperty("connected").GetBoolean() && Sync(s).GetProperty("hub").GetString() == first.SyncUrl,
            "the edge on the first hub");
        var reconnectsBefore = (await site.Edge.SyncAsync()).GetProperty("reconnects").GetInt64();
        var room = await site.Api.CreateRoomAsync(site.LocationId, await site.Api.AreaOfDoorAsync(site.DoorId), "Boardroom");
        var now = DateTimeOffset.UtcNow;
        var nineTomorrow = new DateTimeOffset(now.Year, now.Month, now.Day, 9, 0, 0, TimeSpan.Zero).AddDays(1);
        var bookings = new List<string>();
        async Task BookThroughAsync(HubInstance hub)
        {
            site.Api.UseHub(hub);
            var start = nineTomorrow.AddHours(bookings.Count);
            bookings.Add((await site.Api.BookAsync(site.AdaId, room, start, start.AddHours(1))).GetProperty("id").GetString()!);
        }

        await BookThroughAsync(first);

        // The second instance goes first: it applies the new migrations while the first, old, serves the edge.
        await second.UpgradeToAsync(HubBuild.Current);
        await BookThroughAsync(first);
        await BookThroughAsync(second);
        site.Api.UseHub(second);
        var grace = await site.Api.CreateMemberWithCardAsync(site.LocationId, 42, 10002);
        site.Api.UseHub(first);
        await site.Api.CreateMemberWithCardAsync(site.LocationId, 42, 10003);
        // The old version adds a location (its change-log position row) to the schema the new one migrated.
        await site.Api.CreateLocationAsync("Dock Road");
        await site.SyncedAsync();
        var duringRoll = (await site.BadgeAsync("42:10002"), await site.BadgeAsync("42:10003"));
        var edgeDuringRoll = await site.Edge.SyncAsync();

        // Then the first: the edge moves to the second, upgraded, and carries on from where it was.
        await first.UpgradeToAsync(HubBuild.Current);
        await site.Edge.WaitForConnectedAsync(true);
        await site.Api.SuspendAsync(grace);
        await BookThroughAsync(first);
        await site.SyncedAsync();
        var afterRoll = (await site.BadgeAsync("42:10002"), await site.BadgeAsync());
        var bookingsFound = new List<string>();
        foreach (var hub in new[] { first, second })
        {
            site.Api.UseHub(hub);
            foreach (var id in bookings)
            {
                bookingsFound.Add((await site.Api.GetAsync($"/api/v1/bookings/{id}")).GetProperty("id").GetString()!);
            }
        }


        Assert.True(Migrations(previous).Count < Migrations(HubBuild.Current).Count, $"{previous.Version} lacks a migration of this checkout");
        Assert.Equal(("granted", "granted"), duringRoll);
        Assert.Equal((true, first.SyncUrl, reconnectsBefore),
            (edgeDuringRoll.GetProperty("connected").GetBoolean(), edgeDuringRoll.GetProperty("hub").GetString(), edgeDuringRoll.GetProperty("reconnects").GetInt64()));
        Assert.Equal(("denied", "granted"), afterRoll);
        Assert.Equal([.. bookings, .. bookings], bookingsFound);
    }

    private static JsonElement Sync(JsonElement status) => status.GetProperty("sync");

    private static List<string> Migrations(HubBuild build) =>
        [.. Directory.GetFiles(Path.Combine(build.Root, "hub", "Coworking.Hub", "Migrations"), "*.sql").Select(Path.GetFileName).OfType<string>()];
}
