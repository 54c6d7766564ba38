using Coworking.Testing.Sync;

namespace Coworking.EndToEnd.Tests.Sync;

/// <summary>Two hub instances on one PostgreSQL: NOTIFY wakes both, and an edge moves to the other when one stops.</summary>
[Collection(SyncCollection.Name)]
public sealed class TwoHubTests
{
    [Fact]
    public async Task Change_made_through_either_hub_reaches_the_edge_and_it_moves_to_the_other_when_one_stops()
    {
        await using var site = await SyncSite.StartAsync(hubs: 2);
        await site.Edge.WaitForStatusAsync(s => s.GetProperty("sync").GetProperty("hub").GetString() == site.Hubs[0].SyncUrl, "edge on the first hub");

        site.Api.UseHub(site.Hubs[1]);
        var grace = await site.Api.CreateMemberWithCardAsync(site.LocationId, 42, 10002);
        await site.SyncedAsync();
        var viaOther = await site.BadgeAsync("42:10002");
        await site.Hubs[0].KillAsync();
        await site.Edge.WaitForStatusAsync(
            s => s.GetProperty("sync").GetProperty("connected").GetBoolean() && s.GetProperty("sync").GetProperty("hub").GetString() == site.Hubs[1].SyncUrl,
            "edge moved to the second hub");
        await site.Api.SuspendAsync(grace);
        await site.SyncedAsync();
        var afterMove = await site.BadgeAsync("42:10002");

        Assert.Equal(("granted", "denied"), (viaOther, afterMove));
    }
}
