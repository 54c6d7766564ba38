using Coworking.Testing.Sync;
using static Coworking.Testing.ChangeLog;

namespace Coworking.EndToEnd.Tests.Sync;

/// <summary>The link down: doors keep deciding from the cache, and nothing they did is lost or doubled when it comes back.</summary>
[Collection(SyncCollection.Name)]
public sealed class OfflineTests
{
    [Fact]
    public async Task With_the_hub_stopped_cached_grants_keep_deciding_windows_expire_and_events_reach_the_hub_once_afterwards()
    {
        await using var site = await SyncSite.StartAsync();
        var until = DateTimeOffset.UtcNow.AddSeconds(20);
        var visitor = Guid.NewGuid().ToString();
        await ChangeLogWriter.AppendAsync(site.Api.ConnectionString, site.LocationId,
        [
            Holder(visitor),
            Card(Guid.NewGuid().ToString(), visitor, 42, 20001),
            Grant(Guid.NewGuid().ToString(), visitor, from: DateTimeOffset.UtcNow.AddMinutes(-1), until: until),
        ]);
        await site.SyncedAsync();

        await site.Hub.KillAsync();
        await site.Edge.WaitForConnectedAsync(false);
        var offline = new List<string>
        {
            await site.BadgeAsync(),
            await site.BadgeAsync("42:20001"),
            await site.BadgeAsync("42:55555"),
        };
        await Task.Delay(until.AddSeconds(1) - DateTimeOffset.UtcNow is { Ticks: > 0 } left ? left : TimeSpan.Zero);
        offline.Add(await site.BadgeAsync("42:20001"));
        offline.Add(await site.BadgeAsync());
        await site.Hub.StartAsync();
        await site.Edge.WaitForEmptyOutboxAsync();

        Assert.Equal(["granted", "granted", "denied", "denied", "granted"], offline);
        Assert.Equal(["granted", "granted", "unknown_credential", "expired", "granted"], await site.Api.AccessReasonsAsync(site.Edge.EdgeId));
        Assert.Equal((5L, 5L), await site.Api.AccessEventsAsync(site.Edge.EdgeId));
    }

    [Fact]
    public async Task With_the_hub_frozen_events_reach_it_exactly_once_even_when_the_edge_is_killed_during_the_outage()
    {
        await using var site = await SyncSite.StartAsync();

        site.Hub.Freeze();
        await site.Edge.WaitForConnectedAsync(false);
        var before = new[] { await site.BadgeAsync(), await site.BadgeAsync(), await site.BadgeAsync("42:55555") };
        await site.Edge.KillAsync();
        await site.Edge.StartAsync();
        await site.Edge.WaitForStatusAsync(s => s.GetProperty("readers").EnumerateArray().Any(r => r.GetProperty("online").GetBoolean()), "reader online");
        var after = new[] { await site.BadgeAsync(), await site.BadgeAsync() };
        site.Hub.Thaw();
        await site.Edge.WaitForEmptyOutboxAsync();

        Assert.Equal(["granted", "granted", "denied", "granted", "granted"], [.. before, .. after]);
        Assert.Equal((5L, 5L), await site.Api.AccessEventsAsync(site.Edge.EdgeId));
    }
}
