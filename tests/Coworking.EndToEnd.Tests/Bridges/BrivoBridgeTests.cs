using System.Globalization;
using System.Text.Json;
using Coworking.EndToEnd.Tests.Sync;
using Coworking.Testing;
using Coworking.Testing.Sync;

namespace Coworking.EndToEnd.Tests.Bridges;

/// <summary>
/// A Brivo door through the real hub, the real edge and firmware-sim playing Brivo (docs/BRIDGES.md): the hub's grants
/// become Brivo users with credentials in groups permitted at the access point under the grant's window, Brivo's access
/// events come back as access events, remote unlock goes through Brivo, and expired tokens are renewed.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class BrivoBridgeTests
{
    private const long SiteId = 77;
    private const long AccessPointId = 901;

    [Fact]
    public async Task Confirmed_booking_behind_a_brivo_door_becomes_a_brivo_permission_with_the_booking_window_and_a_suspended_member_leaves_nothing_at_brivo()
    {
        await using var brivo = await BrivoSim.StartAsync(SiteId, [AccessPointId]);
        await using var site = await SyncSite.StartAsync(reader: false, edgeSettings: EdgeSettings);
        var (area, _) = await BrivoDoorAsync(site, brivo);
        var room = await site.Api.CreateRoomAsync(site.LocationId, area, "Boardroom");
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(3);
        var booking = (await site.Api.BookAsync(site.AdaId, room, start, start.AddMinutes(45))).GetProperty("id").GetGuid();

        var schedule = await ScheduleOfAsync(brivo, booking);
        await ScheduleOfAsync(brivo, site.AdaId);
        await site.Api.SuspendAsync(site.AdaId);
        await Eventually.Async(
            async () => await brivo.StateAsync() is var s && s.GetProperty("users").GetArrayLength() == 0 && s.GetProperty("schedules").GetArrayLength() == 0,
            "Ada's Brivo users (hers and her booking's) and their schedules gone",
            () => site.Edge.Output);

        var exception = schedule.GetProperty("exceptionBlocks")[0];
        Assert.Equal((start.AddMinutes(-5), start.AddMinutes(45), true),
            (exception.GetProperty("start").GetDateTimeOffset(), exception.GetProperty("end").GetDateTimeOffset(), exception.GetProperty("enabling").GetBoolean()));
        var state = await brivo.StateAsync();
        Assert.Equal((0, 0, 0), (state.GetProperty("credentials").GetArrayLength(), state.GetProperty("groups").GetArrayLength(), state.GetProperty("permissions").GetArrayLength()));
        var edge = await Eventually.Async(
            () => site.Api.EdgeAsync(site.Edge.EdgeId),
            e => e.TryGetProperty("bridges", out var b) && b.ValueKind == JsonValueKind.Array && b.EnumerateArray().Any(b => b.GetProperty("vendor").GetString() == "brivo" && b.GetProperty("lastReconcileAt").ValueKind == JsonValueKind.String),
            "the hub's edges API shows the Brivo bridge's last reconcile");
        Assert.Equal(1, edge.GetProperty("bridges").EnumerateArray().Single(b => b.GetProperty("vendor").GetString() == "brivo").GetProperty("doors").GetInt32());
    }

    [Fact]
    public async Task Suspended_member_loses_the_brivo_grant_within_two_seconds_without_the_bridge_listing_brivo_users_again()
    {
        // 3,000 users of the building's other tenants: a full list of users alone would be 30 pages, three seconds at 10 a second.
        await using var brivo = await BrivoSim.StartAsync(SiteId, [AccessPointId], otherUsers: 3000);
        await using var site = await SyncSite.StartAsync(reader: false, edgeSettings: VendorDoors.QuietSettings("Brivo"));
        await BrivoDoorAsync(site, brivo);
        await ScheduleOfAsync(brivo, site.AdaId);

        var (before, state) = await VendorDoors.SuspendAdaAsync(site, "brivo", "Brivo", brivo.StateAsync, s => UserOf(s, site.AdaId) is null);

        // The nudged reconcile read Ada alone (her user and credential by filter, her groups) and removed her: no list of every user.
        Assert.Equal(before.GetProperty("unfilteredUserLists").GetInt64(), state.GetProperty("unfilteredUserLists").GetInt64());
        Assert.InRange(state.GetProperty("requests").GetInt64() - before.GetProperty("requests").GetInt64(), 1, 10);
        Assert.Equal(3000, state.GetProperty("users").GetArrayLength());
        Assert.Equal(0, state.GetProperty("rateLimited").GetInt64());
    }

    [Fact]
    public async Task Access_at_a_brivo_door_is_in_the_hub_access_log_once_and_remote_unlock_goes_through_brivo()
    {
        await using var brivo = await BrivoSim.StartAsync(SiteId, [AccessPointId]);
        await using var site = await SyncSite.StartAsync(reader: false, edgeSettings: EdgeSettings);
        var (_, door) = await BrivoDoorAsync(site, brivo);
        await ScheduleOfAsync(brivo, site.AdaId);
        var user = UserOf(await brivo.StateAsync(), site.AdaId)!.Value.GetProperty("id").GetInt64();

        var tap = await brivo.TapAsync(AccessPointId, user);
        await Eventually.Async(async () => (await VendorDoors.AccessEventsAsync(site)).Count > 0, "the Brivo access event in the hub's access log", () => site.Edge.Output);
        var unlock = await site.Api.PostAsync($"/api/v1/locations/{site.LocationId}/doors/{door}/unlock", new { seconds = 5 });
        await site.Edge.WaitForEmptyOutboxAsync();

        Assert.True(tap.GetProperty("allowed").GetBoolean());
        Assert.Equal([(door, "granted", (Guid?)site.AdaId)], await VendorDoors.AccessEventsAsync(site));
        Assert.True(unlock.GetProperty("unlocked").GetBoolean());
        Assert.Equal(2, (await brivo.StateAsync()).GetProperty("unlocks").GetProperty(AccessPointId.ToString(CultureInfo.InvariantCulture)).GetInt32());
    }

    [Fact]
    public async Task Expired_brivo_token_is_renewed_and_a_membership_removed_at_brivo_is_restored_after_brivo_failed_for_a_while()
    {
        await using var brivo = await BrivoSim.StartAsync(SiteId, [AccessPointId]);
        await using var site = await SyncSite.StartAsync(reader: false, edgeSettings: EdgeSettings);
        await BrivoDoorAsync(site, brivo);
        await ScheduleOfAsync(brivo, site.AdaId);
        var state = await brivo.StateAsync();
        var user = UserOf(state, site.AdaId)!.Value.GetProperty("id").GetInt64();
        var group = state.GetProperty("members").EnumerateObject().Single(m => m.Value.EnumerateArray().Any(u => u.GetInt64() == user)).Name;

        await brivo.ExpireTokensAsync();
        await brivo.FailNextAsync(4);
        await brivo.RemoveMemberAsync(long.Parse(group, CultureInfo.InvariantCulture), user);
        await ScheduleOfAsync(brivo, site.AdaId);

        state = await brivo.StateAsync();
        Assert.True(state.GetProperty("invalidTokens").GetInt64() >= 1);
        Assert.True(state.GetProperty("tokensIssued").GetInt64() >= 2);
        Assert.Single(state.GetProperty("users").EnumerateArray());
    }

    [Fact]
    public async Task Bookings_reach_brivo_without_the_bridge_ever_exceeding_the_accounts_rate_limit()
    {
        await using var brivo = await BrivoSim.StartAsync(SiteId, [AccessPointId], requestsPerSecond: 4);
        await using var site = await SyncSite.StartAsync(reader: false, edgeSettings: new Dictionary<string, string>(EdgeSettings) { ["Edge__Bridges__Brivo__RequestsPerSecond"] = "4" });
        var (area, _) = await BrivoDoorAsync(site, brivo);
        var room = await site.Api.CreateRoomAsync(site.LocationId, area, "Boardroom");
        foreach (var booking in await VendorDoors.HourlyBookingsAsync(site, site.AdaId, room, 8))
        {
            await ScheduleOfAsync(brivo, booking);
        }

        var state = await brivo.StateAsync();
        Assert.Equal(0, state.GetProperty("rateLimited").GetInt64());
        Assert.True(state.GetProperty("requests").GetInt64() > 8 * 5, "every booking took Brivo several calls");
    }

    private static readonly Dictionary<string, string> EdgeSettings = new()
    {
        ["Edge__Bridges__Brivo__ReconcileSeconds"] = "2",
        ["Edge__Bridges__Brivo__EventPollSeconds"] = "1",
    };

    /// <summary>A door driven by Brivo's access point, and the location's Brivo account pointing at the sim.</summary>
    private static Task<(Guid AreaId, Guid DoorId)> BrivoDoorAsync(SyncSite site, BrivoSim brivo) =>
        VendorDoors.AddAsync(
            site, "brivo", "Brivo",
            new { controller = "brivo", brivoSiteId = SiteId.ToString(CultureInfo.InvariantCulture), brivoAccessPointId = AccessPointId.ToString(CultureInfo.InvariantCulture) },
            new { apiBase = brivo.ApiBase, secrets = brivo.Secrets });

    private static JsonElement? UserOf(JsonElement state, Guid holder) =>
        state.GetProperty("users").EnumerateArray().Where(u => u.GetProperty("externalId").GetString() == $"coworking:{holder}").Select(u => (JsonElement?)u.Clone()).FirstOrDefault();

    /// <summary>
    /// Waits until the holder may pass the access point at Brivo: their user holds a credential and is a member of a group
    /// permitted there; answers the permission's schedule.
    /// </summary>
    private static async Task<JsonElement> ScheduleOfAsync(BrivoSim brivo, Guid holder)
    {
        JsonElement? found = null;
        await Eventually.Async(
            async () =>
            {
                var state = await brivo.StateAsync();
                found = null;
                if (UserOf(state, holder) is not { } user)
                {
                    return false;
                }

                var id = user.GetProperty("id").GetInt64();
                var groups = state.GetProperty("members").EnumerateObject().Where(m => m.Value.EnumerateArray().Any(u => u.GetInt64() == id)).Select(m => long.Parse(m.Name, CultureInfo.InvariantCulture)).ToHashSet();
                var scheduleId = state.GetProperty("permissions").EnumerateArray()
                    .Where(p => groups.Contains(p.GetProperty("groupId").GetInt64()) && p.GetProperty("accessPointId").GetInt64() == AccessPointId)
                    .Select(p => (long?)p.GetProperty("scheduleId").GetInt64()).FirstOrDefault();
                var hasCredential = state.GetProperty("credentials").EnumerateArray().Any(c => c.GetProperty("userId").ValueKind == JsonValueKind.Number && c.GetProperty("userId").GetInt64() == id);
                found = scheduleId is { } s && hasCredential
                    ? state.GetProperty("schedules").EnumerateArray().Where(x => x.GetProperty("id").GetInt64() == s).Select(x => (JsonElement?)x.Clone()).FirstOrDefault()
                    : null;
                return found is not null;
            },
            $"a Brivo permission for holder {holder}",
            VendorDoors.Tail(() => brivo.Output));
        return found!.Value;
    }
}
