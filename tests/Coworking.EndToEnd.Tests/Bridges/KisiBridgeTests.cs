using System.Text.Json;
using Coworking.EndToEnd.Tests.Sync;
using Coworking.Testing;
using Coworking.Testing.Sync;

namespace Coworking.EndToEnd.Tests.Bridges;

/// <summary>
/// A Kisi door through the real hub, the real edge and firmware-sim playing Kisi (docs/BRIDGES.md): the hub's grants become
/// Kisi's time-scoped assignments, taps come back as access events, and the bridge never exceeds Kisi's rate limit.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class KisiBridgeTests
{
    private const long LockId = 101;

    [Fact]
    public async Task Confirmed_booking_of_a_room_behind_a_kisi_door_becomes_a_kisi_grant_with_the_booking_window()
    {
        await using var kisi = await KisiSim.StartAsync(LockId);
        await using var site = await SyncSite.StartAsync(reader: false, edgeSettings: EdgeSettings);
        var (area, _) = await KisiDoorAsync(site, kisi);
        var room = await site.Api.CreateRoomAsync(site.LocationId, area, "Boardroom");
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(3);
        var booking = await site.Api.BookAsync(site.AdaId, room, start, start.AddMinutes(45));
        var holder = booking.GetProperty("id").GetGuid();

        var assignment = await AssignmentOfAsync(kisi, holder);

        Assert.Equal(start.AddMinutes(-5), assignment.GetProperty("valid_from").GetDateTimeOffset());
        Assert.Equal(start.AddMinutes(45), assignment.GetProperty("valid_until").GetDateTimeOffset());
        var edge = await Eventually.Async(
            () => site.Api.EdgeAsync(site.Edge.EdgeId),
            e => e.TryGetProperty("bridges", out var b) && b.ValueKind == JsonValueKind.Array && b.GetArrayLength() == 1 && b[0].GetProperty("lastReconcileAt").ValueKind == JsonValueKind.String,
            "the hub's edges API shows the Kisi bridge's last reconcile");

        Assert.Equal("group_basic", assignment.GetProperty("role_id").GetString());
        Assert.Equal(("kisi", 1), (edge.GetProperty("bridges")[0].GetProperty("vendor").GetString(), edge.GetProperty("bridges")[0].GetProperty("doors").GetInt32()));
        Assert.Equal(0, (await kisi.StateAsync()).GetProperty("rate_limited").GetInt64());
    }

    [Fact]
    public async Task Grant_deleted_at_kisi_is_restored_by_the_next_reconcile_and_a_suspended_member_loses_it()
    {
        await using var kisi = await KisiSim.StartAsync(LockId);
        await using var site = await SyncSite.StartAsync(reader: false, edgeSettings: EdgeSettings);
        await KisiDoorAsync(site, kisi);
        var first = await AssignmentOfAsync(kisi, site.AdaId);

        await kisi.DeleteRoleAssignmentAsync(first.GetProperty("id").GetInt64());
        var restored = await AssignmentOfAsync(kisi, site.AdaId);
        await site.Api.SuspendAsync(site.AdaId);
        await Eventually.Async(async () => await UserOfAsync(kisi, site.AdaId) is null, "Ada's Kisi user and grant gone", () => site.Edge.Output);

        Assert.NotEqual(first.GetProperty("id").GetInt64(), restored.GetProperty("id").GetInt64());
        Assert.Empty((await kisi.StateAsync()).GetProperty("role_assignments").EnumerateArray());
        Assert.Equal(0, (await kisi.StateAsync()).GetProperty("rate_limited").GetInt64());
    }

    [Fact]
    public async Task Suspended_member_loses_the_kisi_grant_within_two_seconds_without_the_bridge_listing_kisi_again()
    {
        await using var kisi = await KisiSim.StartAsync(LockId);
        await using var site = await SyncSite.StartAsync(reader: false, edgeSettings: VendorDoors.QuietSettings("Kisi"));
        await KisiDoorAsync(site, kisi);
        await AssignmentOfAsync(kisi, site.AdaId);

        var (before, state) = await VendorDoors.SuspendAdaAsync(
            site, "kisi", "Kisi", kisi.StateAsync, s => s.GetProperty("users").GetArrayLength() == 0 && s.GetProperty("role_assignments").GetArrayLength() == 0);

        // The nudged reconcile worked from what Kisi was last seen to hold: the assignment's and the user's deletes, no list.
        Assert.Equal(2, state.GetProperty("requests").GetInt64() - before.GetProperty("requests").GetInt64());
        Assert.Equal(0, state.GetProperty("rate_limited").GetInt64());
    }

    [Fact]
    public async Task Tap_at_a_kisi_door_is_in_the_hub_access_log_once_however_often_kisi_sends_it_and_remote_unlock_goes_through_kisi()
    {
        await using var kisi = await KisiSim.StartAsync(LockId);
        await using var site = await SyncSite.StartAsync(reader: false, edgeSettings: EdgeSettings);
        var (_, door) = await KisiDoorAsync(site, kisi);
        await kisi.SendWebhooksToAsync(new Uri(site.Edge.StatusUrl!, "/bridges/kisi/webhook"));
        await AssignmentOfAsync(kisi, site.AdaId);
        var user = (await UserOfAsync(kisi, site.AdaId))!.Value.GetProperty("id").GetInt64();

        var tap = await kisi.TapAsync(LockId, user, duplicate: true);
        await Eventually.Async(async () => (await VendorDoors.AccessEventsAsync(site)).Count > 0, "the Kisi tap in the hub's access log", () => site.Edge.Output);
        await site.Edge.WaitForEmptyOutboxAsync();
        var unlock = await site.Api.PostAsync($"/api/v1/locations/{site.LocationId}/doors/{door}/unlock", new { seconds = 5 });

        Assert.Equal((true, 2), (tap.GetProperty("success").GetBoolean(), tap.GetProperty("delivered").GetInt32()));
        Assert.Equal([(door, "granted", (Guid?)site.AdaId)], await VendorDoors.AccessEventsAsync(site));
        Assert.True(unlock.GetProperty("unlocked").GetBoolean());
        var state = await kisi.StateAsync();
        Assert.Equal(2, state.GetProperty("unlocks").GetProperty(LockId.ToString(System.Globalization.CultureInfo.InvariantCulture)).GetInt32());
        Assert.Equal(0, state.GetProperty("rate_limited").GetInt64());
    }

    [Fact]
    public async Task Bookings_made_while_kisi_is_away_wait_on_the_edge_status_and_all_reach_kisi_when_it_is_back()
    {
        await using var kisi = await KisiSim.StartAsync(LockId);
        await using var site = await SyncSite.StartAsync(reader: false, edgeSettings: EdgeSettings);
        var (area, _) = await KisiDoorAsync(site, kisi);
        var room = await site.Api.CreateRoomAsync(site.LocationId, area, "Boardroom");
        await AssignmentOfAsync(kisi, site.AdaId);

        await kisi.SetDownAsync(true);
        var bookings = await VendorDoors.HourlyBookingsAsync(site, site.AdaId, room, 3);

        await site.SyncedAsync();
        var away = await site.Edge.WaitForStatusAsync(
            s => s.GetProperty("bridges")[0] is var b && b.GetProperty("state").GetString() == "failing" && b.GetProperty("queueDepth").GetInt32() > 0,
            "the Kisi bridge reports Kisi away with changes waiting");
        await kisi.SetDownAsync(false);
        foreach (var booking in bookings)
        {
            await AssignmentOfAsync(kisi, booking);
        }

        await site.Edge.WaitForStatusAsync(s => s.GetProperty("bridges")[0].GetProperty("state").GetString() == "in_step", "the Kisi bridge in step again");
        Assert.Contains("503", away.GetProperty("bridges")[0].GetProperty("lastError").GetString(), StringComparison.Ordinal);
        var state = await kisi.StateAsync();
        Assert.Equal(4, state.GetProperty("role_assignments").GetArrayLength());
        Assert.Equal(0, state.GetProperty("rate_limited").GetInt64());
    }

    [Fact]
    public async Task Two_hundred_changes_made_while_kisi_is_away_all_reach_kisi_when_it_is_back_with_nothing_extra_left()
    {
        await using var kisi = await KisiSim.StartAsync(LockId);
        await using var site = await SyncSite.StartAsync(reader: false, edgeSettings: EdgeSettings);
        var (area, _) = await KisiDoorAsync(site, kisi);
        var room = await site.Api.CreateRoomAsync(site.LocationId, area, "Boardroom");
        await AssignmentOfAsync(kisi, site.AdaId);

        await kisi.SetDownAsync(true);
        var start = DateTimeOffset.UtcNow.AddHours(2);
        start = new DateTimeOffset(start.Year, start.Month, start.Day, start.Hour, 0, 0, TimeSpan.Zero);
        var bookings = new List<(Guid Id, DateTimeOffset Start)>();
        for (var i = 0; i < 160; i++)
        {
            var slot = start.AddMinutes(30 * i);
            bookings.Add(((await site.Api.BookAsync(site.AdaId, room, slot, slot.AddMinutes(25))).GetProperty("id").GetGuid(), slot));
        }

        var cancelled = bookings.Where((_, i) => i % 4 == 0).ToList();
        foreach (var (id, _) in cancelled)
        {
            await site.Api.CancelBookingAsync(id);
        }

        await site.SyncedAsync();
        await kisi.SetDownAsync(false);
        await Eventually.Async(
            async () => (await kisi.StateAsync()).GetProperty("role_assignments").GetArrayLength() == 1 + bookings.Count - cancelled.Count
                && (await site.Edge.StatusAsync()).GetProperty("bridges")[0].GetProperty("state").GetString() == "in_step",
            "every booking left reaches Kisi",
            () => site.Edge.Output[^Math.Min(4000, site.Edge.Output.Length)..],
            TimeSpan.FromMinutes(4));

        var state = await kisi.StateAsync();
        var holderOfUser = state.GetProperty("users").EnumerateArray().ToDictionary(u => u.GetProperty("id").GetInt64(), u => Guid.Parse(u.GetProperty("email").GetString()![..36]));
        var atKisi = state.GetProperty("role_assignments").EnumerateArray()
            .Select(r => (Holder: holderOfUser[r.GetProperty("user_id").GetInt64()], Until: r.GetProperty("valid_until").ValueKind == JsonValueKind.String ? r.GetProperty("valid_until").GetDateTimeOffset() : (DateTimeOffset?)null))
            .ToHashSet();
        var expected = bookings.Except(cancelled).Select(b => (Holder: b.Id, Until: (DateTimeOffset?)b.Start.AddMinutes(25))).ToHashSet();
        Assert.Superset(expected, atKisi);
        Assert.Equal(expected.Count + 1, atKisi.Count);
        Assert.Equal(expected.Count + 1, state.GetProperty("users").GetArrayLength());
        Assert.Equal(0, state.GetProperty("rate_limited").GetInt64());
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Vendor_account_reaches_the_edge_in_a_file_only_its_user_may_read()
    {
        await using var kisi = await KisiSim.StartAsync(LockId);
        await using var site = await SyncSite.StartAsync(reader: false, edgeSettings: EdgeSettings);
        await KisiDoorAsync(site, kisi);

        var file = Path.Combine(site.Edge.DataDirectory, "vendor-accounts.json");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Contains(kisi.ApiKey, await File.ReadAllTextAsync(file), StringComparison.Ordinal);
        Assert.DoesNotContain(kisi.ApiKey, site.Edge.Output, StringComparison.Ordinal);
    }

    private static readonly Dictionary<string, string> EdgeSettings = new() { ["Edge__Bridges__Kisi__ReconcileSeconds"] = "2" };

    /// <summary>A door in an area of its own, driven by Kisi's lock, and the location's Kisi account pointing at the sim.</summary>
    private static Task<(Guid AreaId, Guid DoorId)> KisiDoorAsync(SyncSite site, KisiSim kisi) =>
        VendorDoors.AddAsync(
            site, "kisi", "Kisi",
            new { controller = "kisi", kisiLockId = LockId.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            new { apiBase = kisi.ApiBase, secrets = new Dictionary<string, string> { ["api_key"] = kisi.ApiKey, ["webhook_secret"] = kisi.WebhookSecret } });

    private static async Task<JsonElement?> UserOfAsync(KisiSim kisi, Guid holder)
    {
        foreach (var user in (await kisi.StateAsync()).GetProperty("users").EnumerateArray())
        {
            if (user.GetProperty("email").GetString()!.StartsWith(holder.ToString(), StringComparison.Ordinal))
            {
                return user.Clone();
            }
        }

        return null;
    }

    /// <summary>Waits for the holder's one group_basic assignment at Kisi.</summary>
    private static async Task<JsonElement> AssignmentOfAsync(KisiSim kisi, Guid holder)
    {
        JsonElement? found = null;
        await Eventually.Async(
            async () =>
            {
                var user = await UserOfAsync(kisi, holder);
                var state = await kisi.StateAsync();
                found = user is { } u
                    ? state.GetProperty("role_assignments").EnumerateArray().Where(r => r.GetProperty("user_id").GetInt64() == u.GetProperty("id").GetInt64())
                        .Select(r => (JsonElement?)r.Clone()).FirstOrDefault()
                    : null;
                return found is not null;
            },
            $"a Kisi assignment for holder {holder}",
            VendorDoors.Tail(() => kisi.Output));
        return found!.Value;
    }
}
