using System.Security.Cryptography;
using System.Text;
using Coworking.Edge.Bridges.Kisi;
using Coworking.Edge.Tests.Support;
using Coworking.Proto.V1;
using static Coworking.Testing.ChangeLog;

namespace Coworking.Edge.Tests.Bridges;

/// <summary>What the Kisi bridge wants Kisi to hold, worked out from a real grant cache.</summary>
public sealed class KisiDesiredStateTests
{
    // Monday 5 January 2026, noon in London (GMT, so local time is UTC).
    private static readonly DateTimeOffset Monday = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Night_window_across_midnight_becomes_two_kisi_assignments_split_at_local_midnight()
    {
        using var cache = new CacheBuilder();
        cache.Apply(Location(), KisiDoor("kisi-door", "101"), Holder("night-owl"),
            Grant("g1", "night-owl", ["kisi-door"], schedule: [Window(DayOfWeek.Monday, 22, 0, 24, 0), Window(DayOfWeek.Tuesday, 0, 0, 6, 0)]));
        var index = cache.Cache.Index;

        var desired = KisiDesiredState.Compute(index, KisiDesiredState.KisiDoors(index), Monday, TimeSpan.FromDays(1));

        Assert.Equal(
            [
                new DesiredAssignment("night-owl", "101", Monday.Date.AddHours(22), Monday.Date.AddDays(1)),
                new DesiredAssignment("night-owl", "101", Monday.Date.AddDays(1), Monday.Date.AddDays(1).AddHours(6)),
            ],
            desired.OrderBy(d => d.ValidFrom).ToList());
    }

    [Fact]
    public void Only_active_holders_with_grants_covering_kisi_doors_are_wanted_at_kisi_with_the_grants_window()
    {
        using var cache = new CacheBuilder();
        var until = Monday.AddDays(30);
        cache.Apply(Location(), KisiDoor("kisi-door", "101"), Door("osdp-door"), Holder("ada"), Holder("bob", HolderStatus.Suspended), Holder("cy"),
            Grant("g-ada", "ada", null, Monday.AddDays(-1), until), Grant("g-bob", "bob", ["kisi-door"]), Grant("g-cy", "cy", ["osdp-door"]));
        var index = cache.Cache.Index;

        var desired = KisiDesiredState.Compute(index, KisiDesiredState.KisiDoors(index), Monday, TimeSpan.FromDays(7));

        Assert.Equal([new DesiredAssignment("ada", "101", Monday.AddDays(-1), until)], desired.ToList());
    }

    [Fact]
    public void Vendor_door_keeps_its_controller_and_lock_id_when_the_cache_is_opened_again()
    {
        using var cache = new CacheBuilder();
        cache.Apply(Location(), KisiDoor("kisi-door", "101"));

        var reopened = cache.Reopen();

        Assert.True(reopened.Index.TryGetDoor("kisi-door", out var door));
        Assert.Equal((DoorController.Kisi, "101"), (door.Controller, door.VendorLockId));
    }

    [Fact]
    public void Webhook_is_taken_only_with_the_hmac_of_its_exact_body_under_the_accounts_secret()
    {
        var body = Encoding.UTF8.GetBytes("""{"id":7,"action":"unlock"}""");
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("secret"), body));

        Assert.True(KisiWebhook.SignatureMatches("secret", body, signature));
        Assert.False(KisiWebhook.SignatureMatches("other", body, signature));
        Assert.False(KisiWebhook.SignatureMatches("secret", [.. body, (byte)' '], signature));
        Assert.False(KisiWebhook.SignatureMatches("secret", body, "not hex"));
    }

    private static Change KisiDoor(string doorId, string lockId)
    {
        var change = Door(doorId);
        change.Door.Controller = DoorController.Kisi;
        change.Door.VendorLockId = lockId;
        return change;
    }
}
