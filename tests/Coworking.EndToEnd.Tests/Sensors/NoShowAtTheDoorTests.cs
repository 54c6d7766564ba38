using System.Globalization;
using System.Text.Json;
using Coworking.EndToEnd.Tests.Sync;
using Coworking.Testing.Sync;

namespace Coworking.EndToEnd.Tests.Sensors;

/// <summary>
/// The no-show policy through the real parts: a presence sensor heard by the edge's broker over MQTT, the booking's PIN
/// on the simulated keypad of the room's door, the hub's releaser. Hub and edge run on one libfaketime clock
/// (<see cref="EdgeClock"/>), so the test moves both through the booking instead of waiting for its first minutes.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class NoShowAtTheDoorTests
{
    private const string Topic = "zigbee2mqtt/boardroom-presence";

    [Fact]
    public async Task Booked_room_nobody_enters_is_released_by_the_no_show_policy_and_its_pin_is_refused_at_the_door()
    {
        using var clock = new EdgeClock();
        var mqttPort = FreePort.Next();
        var edgeSettings = new Dictionary<string, string>(clock.Environment)
        {
            ["Edge__Sensors__Mode"] = "embedded",
            ["Edge__Sensors__Port"] = mqttPort.ToString(CultureInfo.InvariantCulture),
            ["Edge__Sensors__Gateways__0__Username"] = "gw-1",
            ["Edge__Sensors__Gateways__0__Password"] = "s3cret",
        };
        await using var site = await SyncSite.StartAsync(
            hubSettings: ["--Sensors:NoShowInterval=00:00:01", "--Sensors:RollupInterval=00:00:01"],
            edgeSettings: edgeSettings,
            hubEnvironment: clock.Environment);
        var room = await site.Api.CreateRoomAsync(site.LocationId, await site.Api.AreaOfDoorAsync(site.DoorId), "Boardroom");
        await site.Api.PostAsync(
            $"/api/v1/locations/{site.LocationId}/sensors",
            new { name = "Boardroom presence", kind = "presence", adapter = "zigbee2mqtt", topic = Topic, resourceId = room });
        await site.Api.PutAsync($"/api/v1/locations/{site.LocationId}/no-show-policy", new { enabled = true, minutes = 15 });
        await site.SyncedAsync();
        await site.Edge.WaitForStatusAsync(
            s => s.GetProperty("sensors") is { ValueKind: JsonValueKind.Object } sensors && sensors.GetProperty("connected").GetBoolean()
                 && sensors.GetProperty("sensors").GetArrayLength() == 1,
            "the sensor configured at the edge, its broker listening");
        await Mosquitto.PublishAsync("gw-1", "s3cret", mqttPort, Topic, """{"presence":false}""");
        await site.Edge.WaitForStatusAsync(
            s => s.GetProperty("sensors").GetProperty("sensors")[0].TryGetProperty("occupied", out var occupied) && occupied.ValueKind == JsonValueKind.False,
            "the room vacant at the edge");

        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(3);
        var booking = await site.Api.BookAsync(site.AdaId, room, start, start.AddHours(1));
        var bookingId = booking.GetProperty("id").GetGuid();
        var pin = booking.GetProperty("pin").GetString()!;
        await site.SyncedAsync();

        clock.MoveTo(start.AddMinutes(2));
        var early = await site.KeypadAsync(pin);
        var statusEarly = await BookingStatusAsync(site, bookingId);

        clock.MoveTo(start.AddMinutes(21));
        var released = await Eventually.Async(
            () => BookingStatusAsync(site, bookingId),
            status => status == "cancelled",
            "the booking released by the no-show policy",
            () => site.Edge.Output + site.Hub.Output);
        await site.SyncedAsync();
        var late = await site.KeypadAsync(pin);

        Assert.Equal(("granted", "confirmed"), (early, statusEarly));
        Assert.Equal(("cancelled", "denied"), (released, late));
        Assert.Equal("unknown_credential", (await site.Edge.StatusAsync()).GetProperty("recentDecisions")[0].GetProperty("reason").GetString());
        var exceptions = await site.Api.GetAsync(
            $"/api/v1/locations/{site.LocationId}/utilisation/exceptions?from={start.AddDays(-1):yyyy-MM-dd}&to={start.AddDays(1):yyyy-MM-dd}");
        var noShow = exceptions.GetProperty("noShows").EnumerateArray().Single(n => n.GetProperty("bookingId").GetGuid() == bookingId);
        Assert.Equal((site.AdaId, true), (noShow.GetProperty("memberId").GetGuid(), noShow.GetProperty("released").GetBoolean()));
    }

    private static async Task<string> BookingStatusAsync(SyncSite site, Guid bookingId) =>
        (await site.Api.GetAsync($"/api/v1/bookings/{bookingId}")).GetProperty("status").GetString()!;
}
