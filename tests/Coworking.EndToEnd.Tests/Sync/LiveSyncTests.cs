using System.Text.Json;
using Coworking.Testing.Sync;

namespace Coworking.EndToEnd.Tests.Sync;

/// <summary>The link up: what an operator does at the hub reaches the door, and what happens at the door reaches the hub.</summary>
[Collection(SyncCollection.Name)]
public sealed class LiveSyncTests
{
    [Fact]
    public async Task Card_added_at_the_hub_opens_its_door_suspending_the_member_denies_it_and_the_hub_hears_of_both()
    {
        await using var site = await SyncSite.StartAsync();

        var grace = await site.Api.CreateMemberWithCardAsync(site.LocationId, 42, 10002);
        await site.SyncedAsync();
        var before = await site.BadgeAsync("42:10002");
        await site.Api.SuspendAsync(grace);
        await site.SyncedAsync();
        var after = await site.BadgeAsync("42:10002");

        Assert.Equal(("granted", "denied"), (before, after));
        await site.Edge.WaitForEmptyOutboxAsync();
        Assert.Equal(["granted", "holder_suspended"], await site.Api.AccessReasonsAsync(site.Edge.EdgeId));
        Assert.Contains("reader_online", await site.Api.EdgeEventKindsAsync(site.Edge.EdgeId));
    }

    [Fact]
    public async Task Door_forced_open_at_the_building_is_listed_at_the_hub_as_an_alarm_of_that_door()
    {
        await using var site = await SyncSite.StartAsync();

        await site.Reader!.SetContactAsync(site.DoorId, open: true);
        await site.Edge.WaitForStatusAsync(
            s => s.GetProperty("doors").EnumerateArray().Any(d => d.GetProperty("doorId").GetString() == site.DoorId.ToString() && d.GetProperty("state").GetString() == "forced_open"),
            "door forced open at the edge");
        await site.Reader.SetContactAsync(site.DoorId, open: false);
        IReadOnlyList<JsonElement> alarms = [];
        await Eventually.Async(
            async () => (alarms = await site.Api.ListedEdgeEventsAsync(site.LocationId, "door_forced_open")).Count > 0,
            "the forced-open alarm listed at the hub",
            () => site.Edge.Output);

        var alarm = Assert.Single(alarms);
        Assert.Equal(site.DoorId, alarm.GetProperty("doorId").GetGuid());
        Assert.Equal(site.Edge.EdgeId, alarm.GetProperty("edgeId").GetString());
    }
}
