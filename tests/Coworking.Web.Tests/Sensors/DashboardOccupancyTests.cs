using System.Globalization;
using System.Text.Json;
using Coworking.Testing;
using Coworking.Testing.Sync;
using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Sensors;

/// <summary>The dashboard's occupancy now per area, live: presence published to the real edge's broker redraws it.</summary>
[Collection(WebCollection.Name)]
public sealed class DashboardOccupancyTests(WebHub web)
{
    private const string Topic = "zigbee2mqtt/lobby-room-presence";

    private static readonly LocatorAssertionsToContainTextOptions Live = new() { Timeout = 30_000 };

    [Fact]
    public async Task Presence_published_with_mosquitto_pub_shows_the_area_occupied_on_an_open_dashboard()
    {
        var mqttPort = FreePort.Next();
        await using var site = await SyncSite.StartAsync(
            reader: false,
            edgeSettings: new Dictionary<string, string>
            {
                ["Edge__Sensors__Mode"] = "embedded",
                ["Edge__Sensors__Port"] = mqttPort.ToString(CultureInfo.InvariantCulture),
                ["Edge__Sensors__Gateways__0__Username"] = "gw-1",
                ["Edge__Sensors__Gateways__0__Password"] = "s3cret",
            });
        var room = await site.Api.CreateRoomAsync(site.LocationId, await site.Api.AreaOfDoorAsync(site.DoorId), "Quiet room");
        await site.Api.PostAsync(
            $"/api/v1/locations/{site.LocationId}/sensors",
            new { name = "Quiet room presence", kind = "presence", adapter = "zigbee2mqtt", topic = Topic, resourceId = room });
        await site.SyncedAsync();
        await site.Edge.WaitForStatusAsync(
            s => s.GetProperty("sensors") is { ValueKind: JsonValueKind.Object } sensors && sensors.GetProperty("connected").GetBoolean()
                 && sensors.GetProperty("sensors").GetArrayLength() == 1,
            "the sensor configured at the edge, its broker listening");
        var email = $"occupancy-{Guid.NewGuid():N}@sync.coworking.test";
        const string password = "occupancy-watch-1";
        await site.Api.PostAsync("/api/v1/operators", new { email, name = "Occupancy Watch", password, role = "location_manager", locationIds = new[] { site.LocationId } });
        var page = await web.NewPageAtAsync(site.Hub.ApiUrl.Port);
        await WebHub.LogInAsync(page, email, password);
        var lobby = page.GetByRole(AriaRole.Table, new() { Name = "Occupancy now per area" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "Lobby" });
        await Expect(lobby).ToContainTextAsync("0 of 1");
        await Expect(lobby).ToContainTextAsync("never");

        await Mosquitto.PublishAsync("gw-1", "s3cret", mqttPort, Topic, """{"presence":true}""");

        await Expect(lobby).ToContainTextAsync("1 of 1", Live);
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Updated at" })).ToHaveCountAsync(1);
        await page.AssertAccessibleAsync();
    }
}
