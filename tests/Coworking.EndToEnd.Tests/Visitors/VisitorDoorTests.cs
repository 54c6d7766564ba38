using Coworking.EndToEnd.Tests.Sync;
using Coworking.Testing.Sync;

namespace Coworking.EndToEnd.Tests.Visitors;

/// <summary>
/// A guest's pass at the simulated front door: registered by the host member at the hub (as the portal's Visitors page
/// does), decided by the edge on its own with the hub stopped, the edge's wall clock moved through the visit under
/// libfaketime (<see cref="EdgeClock"/>).
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class VisitorDoorTests
{
    [Fact]
    public async Task Visitor_pin_opens_the_front_door_inside_the_visit_only_with_the_hub_stopped_throughout()
    {
        using var clock = new EdgeClock();
        await using var site = await SyncSite.StartAsync(edgeSettings: clock.Environment);
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(3);
        var end = start.AddHours(2);
        var pin = (await site.Api.InviteVisitorAsync(site.AdaId, site.LocationId, start, end)).GetProperty("pin").GetString()!;
        await site.SyncedAsync();

        await site.Hub.KillAsync();
        await site.Edge.WaitForConnectedAsync(false);
        var seen = new List<(string Shown, string Reason)>();
        foreach (var instant in new[] { start.AddMinutes(-30), start.AddMinutes(1), end.AddMinutes(-1), end.AddMinutes(1) })
        {
            clock.MoveTo(instant);
            seen.Add((await site.KeypadAsync(pin), await site.Edge.NewestReasonAsync()));
        }

        Assert.Equal([("denied", "not_yet_valid"), ("granted", "granted"), ("granted", "granted"), ("denied", "expired")], seen);
    }
}
