using System.Text.Json;
using Coworking.EndToEnd.Tests.Sync;
using Coworking.Testing;
using Coworking.Testing.Sync;

namespace Coworking.EndToEnd.Tests.Bridges;

/// <summary>
/// A Salto KS door through the real hub, the real edge and firmware-sim playing Salto KS (docs/BRIDGES.md): the hub's grants
/// become site users in access groups with the grant's window as their time schedule, in spite of Salto's provisioning delay;
/// entries come back as access events and remote unlock goes through Salto's locking PATCH with its one-time code.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class SaltoBridgeTests
{
    private const string SiteId = "site-a";
    private const string LockId = "lock-1";

    [Fact]
    public async Task Confirmed_booking_behind_a_salto_door_becomes_an_access_group_with_the_booking_window_although_salto_provisions_late()
    {
        await using var salto = await SaltoSim.StartAsync(SiteId, LockId);
        await using var site = await SyncSite.StartAsync(reader: false, edgeSettings: EdgeSettings);
        var (area, _) = await SaltoDoorAsync(site, salto);
        var room = await site.Api.CreateRoomAsync(site.LocationId, area, "Boardroom");
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(3);
        var booking = (await site.Api.BookAsync(site.AdaId, room, start, start.AddMinutes(45))).GetProperty("id").GetGuid();

        var group = await AccessGroupOfAsync(salto, booking);
        await AccessGroupOfAsync(salto, site.AdaId);
        await site.Api.SuspendAsync(site.AdaId);
        await Eventually.Async(
            async () => await salto.StateAsync() is var s && s.GetProperty("users").GetArrayLength() == 0 && s.GetProperty("access_groups").GetArrayLength() == 0,
            "Ada's Salto KS users (hers and her booking's) and their access groups gone",
            () => site.Edge.Output);

        var schedule = group.GetProperty("time_schedules")[0];
        Assert.Equal((start.AddMinutes(-5), start.AddMinutes(45)), (schedule.GetProperty("start_date").GetDateTimeOffset(), schedule.GetProperty("end_date").GetDateTimeOffset()));
        Assert.True((await salto.StateAsync()).GetProperty("not_yet_provisioned").GetInt64() > 0);
    }

    [Fact]
    public async Task Suspended_member_loses_the_salto_grant_within_two_seconds_without_the_bridge_listing_salto_users_again()
    {
        // 3,000 users of the site's other tenants: a full list of site users alone would be 30 pages, three seconds at 10 a second.
        await using var salto = await SaltoSim.StartAsync(SiteId, LockId, otherUsers: 3000);
        await using var site = await SyncSite.StartAsync(reader: false, edgeSettings: VendorDoors.QuietSettings("Salto"));
        await SaltoDoorAsync(site, salto);
        await AccessGroupOfAsync(salto, site.AdaId);

        var (before, state) = await VendorDoors.SuspendAdaAsync(site, "salto_ks", "Salto KS", salto.StateAsync, s => UserOf(s, site.AdaId) is null);

        // The nudged reconcile read Ada alone (her site user and memberships by $filter) and removed her: no list of every user.
        Assert.Equal(before.GetProperty("unfiltered_user_lists").GetInt64(), state.GetProperty("unfiltered_user_lists").GetInt64());
        Assert.InRange(state.GetProperty("requests").GetInt64() - before.GetProperty("requests").GetInt64(), 1, 8);
        Assert.Equal(3000, state.GetProperty("users").GetArrayLength());
        Assert.Equal(0, state.GetProperty("rate_limited").GetInt64());
    }

    [Fact]
    public async Task Entry_at_a_salto_door_is_in_the_hub_access_log_and_remote_unlock_opens_it_with_a_one_time_code()
    {
        await using var salto = await SaltoSim.StartAsync(SiteId, LockId);
        await using var site = await SyncSite.StartAsync(reader: false, edgeSettings: EdgeSettings);
        var (_, door) = await SaltoDoorAsync(site, salto);
        await AccessGroupOfAsync(salto, site.AdaId);
        await Eventually.Async(
            async () => (await salto.TapAsync(LockId, UserOf(await salto.StateAsync(), site.AdaId)!.Value.GetProperty("id").GetString()!)).GetProperty("success").GetBoolean(),
            "Ada's key opens the Salto KS lock once provisioned");

        await Eventually.Async(async () => (await VendorDoors.AccessEventsAsync(site)).Any(e => e.Reason == "granted"), "the Salto KS entry in the hub's access log", () => site.Edge.Output);
        var unlock = await site.Api.PostAsync($"/api/v1/locations/{site.LocationId}/doors/{door}/unlock", new { seconds = 5 });

        Assert.Contains((door, "granted", (Guid?)site.AdaId), await VendorDoors.AccessEventsAsync(site));
        Assert.True(unlock.GetProperty("unlocked").GetBoolean());
        Assert.Equal(1, (await salto.StateAsync()).GetProperty("openings").GetProperty(LockId).GetInt32());
    }

    [Fact]
    public async Task Bookings_reach_salto_without_the_bridge_ever_exceeding_the_tenants_rate_limit()
    {
        await using var salto = await SaltoSim.StartAsync(SiteId, LockId, provisioningDelayMs: 300, requestsPerSecond: 4);
        await using var site = await SyncSite.StartAsync(reader: false, edgeSettings: new Dictionary<string, string>(EdgeSettings) { ["Edge__Bridges__Salto__RequestsPerSecond"] = "4" });
        var (area, _) = await SaltoDoorAsync(site, salto);
        var room = await site.Api.CreateRoomAsync(site.LocationId, area, "Boardroom");
        foreach (var booking in await VendorDoors.HourlyBookingsAsync(site, site.AdaId, room, 8))
        {
            await AccessGroupOfAsync(salto, booking);
        }

        var state = await salto.StateAsync();
        Assert.Equal(0, state.GetProperty("rate_limited").GetInt64());
        Assert.True(state.GetProperty("requests").GetInt64() > 8 * 4, "every booking took Salto KS several calls");
    }

    private static readonly Dictionary<string, string> EdgeSettings = new()
    {
        ["Edge__Bridges__Salto__ReconcileSeconds"] = "2",
        ["Edge__Bridges__Salto__EventPollSeconds"] = "1",
    };

    /// <summary>A door driven by a Salto KS lock, and the location's Salto KS account pointing at the sim.</summary>
    private static Task<(Guid AreaId, Guid DoorId)> SaltoDoorAsync(SyncSite site, SaltoSim salto) =>
        VendorDoors.AddAsync(site, "salto_ks", "Salto KS", new { controller = "salto_ks", saltoSiteId = SiteId, saltoLockId = LockId }, new { apiBase = salto.ApiBase, secrets = salto.Secrets });

    private static JsonElement? UserOf(JsonElement state, Guid holder) =>
        state.GetProperty("users").EnumerateArray().Where(u => u.GetProperty("external_id").GetString() == $"coworking:{holder}").Select(u => (JsonElement?)u.Clone()).FirstOrDefault();

    /// <summary>Waits until the holder's site user is in an access group with the lock; answers the group.</summary>
    private static async Task<JsonElement> AccessGroupOfAsync(SaltoSim salto, Guid holder)
    {
        JsonElement? found = null;
        await Eventually.Async(
            async () =>
            {
                var state = await salto.StateAsync();
                found = null;
                if (UserOf(state, holder) is not { } user)
                {
                    return false;
                }

                var id = user.GetProperty("id").GetString();
                var groups = state.GetProperty("group_users").EnumerateArray().Where(l => l.GetProperty("item_id").GetString() == id).Select(l => l.GetProperty("access_group_id").GetString()).ToHashSet();
                var withLock = state.GetProperty("group_locks").EnumerateArray().Where(l => l.GetProperty("item_id").GetString() == LockId && groups.Contains(l.GetProperty("access_group_id").GetString()))
                    .Select(l => l.GetProperty("access_group_id").GetString()).FirstOrDefault();
                found = withLock is null ? null : state.GetProperty("access_groups").EnumerateArray().Where(g => g.GetProperty("id").GetString() == withLock).Select(g => (JsonElement?)g.Clone()).FirstOrDefault();
                return found is not null;
            },
            $"a Salto KS access group for holder {holder}",
            VendorDoors.Tail(() => salto.Output));
        return found!.Value;
    }
}
