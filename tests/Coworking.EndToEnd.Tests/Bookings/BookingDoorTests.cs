using Coworking.EndToEnd.Tests.Sync;
using Coworking.Testing.Sync;

namespace Coworking.EndToEnd.Tests.Bookings;

/// <summary>
/// A booking's PIN at the simulated door of its room: the hub books on real time, the edge runs under libfaketime
/// (<see cref="EdgeClock"/>) so the test moves the edge's wall clock through the booking instead of waiting for it.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class BookingDoorTests
{
    [Fact]
    public async Task Booking_pin_opens_its_room_door_from_five_minutes_before_the_start_until_the_end_with_the_hub_stopped_throughout()
    {
        using var clock = new EdgeClock();
        await using var site = await SyncSite.StartAsync(edgeSettings: clock.Environment);
        var room = await site.Api.CreateRoomAsync(site.LocationId, await site.Api.AreaOfDoorAsync(site.DoorId), "Boardroom");
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(3);
        var end = start.AddMinutes(30);
        var pin = (await site.Api.BookAsync(site.AdaId, room, start, end)).GetProperty("pin").GetString()!;
        await site.SyncedAsync();

        await site.Hub.KillAsync();
        await site.Edge.WaitForConnectedAsync(false);
        var seen = new List<(string Shown, string Reason)>();
        foreach (var instant in new[] { start.AddMinutes(-6), start.AddMinutes(-4), start.AddMinutes(15), end.AddMinutes(1) })
        {
            clock.MoveTo(instant);
            seen.Add((await site.KeypadAsync(pin), await site.Edge.NewestReasonAsync()));
        }

        Assert.Equal([("denied", "not_yet_valid"), ("granted", "granted"), ("granted", "granted"), ("denied", "expired")], seen);
    }

    [Fact]
    public async Task Cancelled_booking_pin_is_refused_at_the_door_within_seconds_and_the_edge_no_longer_holds_the_pass()
    {
        await using var site = await SyncSite.StartAsync();
        var room = await site.Api.CreateRoomAsync(site.LocationId, await site.Api.AreaOfDoorAsync(site.DoorId), "Boardroom");
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(2);
        var booking = await site.Api.BookAsync(site.AdaId, room, start, start.AddHours(1));
        var pin = booking.GetProperty("pin").GetString()!;
        await site.SyncedAsync();
        var before = await site.KeypadAsync(pin);

        await site.Api.CancelBookingAsync(booking.GetProperty("id").GetGuid());
        await site.SyncedAsync();

        Assert.Equal("granted", before);
        Assert.Equal("denied", await site.KeypadAsync(pin));
        Assert.Equal("unknown_credential", await site.Edge.NewestReasonAsync());
        var cache = (await site.Edge.StatusAsync()).GetProperty("cache");
        Assert.Equal((1, 1), (cache.GetProperty("credentials").GetInt32(), cache.GetProperty("holders").GetInt32()));
    }
}
