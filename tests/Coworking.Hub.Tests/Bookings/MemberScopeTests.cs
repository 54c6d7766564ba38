using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Tests.Support;

namespace Coworking.Hub.Tests.Bookings;

/// <summary>
/// A location manager acts only on members homed at their locations: booking for, transferring to, booking a series for
/// or hosting a visitor as a member homed elsewhere is answered exactly as for a member that does not exist.
/// </summary>
public sealed class MemberScopeTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset TenOClock = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Manager_booking_for_a_member_homed_elsewhere_gets_the_answer_of_an_unknown_member_and_no_pin()
    {
        var (mine, outsider, room, manager) = await SetUpAsync();

        using var forOutsider = await manager.PostAsJsonAsync("/api/v1/bookings", new { memberId = outsider, resourceId = room, start = TenOClock, end = TenOClock.AddHours(1) });
        using var forNobody = await manager.PostAsJsonAsync("/api/v1/bookings", new { memberId = Guid.NewGuid(), resourceId = room, start = TenOClock, end = TenOClock.AddHours(1) });
        using var forMine = await manager.PostAsJsonAsync("/api/v1/bookings", new { memberId = mine, resourceId = room, start = TenOClock, end = TenOClock.AddHours(1) });

        var refused = await forOutsider.ProblemAsync(422);
        Assert.Equal(["memberId"], refused.ErrorFields());
        Assert.Equal(Comparable(await forNobody.ProblemAsync(422)), Comparable(refused));
        Assert.Null(refused["pin"]);
        Assert.NotNull((await forMine.SuccessBodyAsync())["pin"]);
        Assert.Empty((await hub.Admin.GetJsonAsync($"/api/v1/bookings?memberId={outsider}")).Items());
    }

    [Fact]
    public async Task Manager_transferring_a_booking_to_a_member_homed_elsewhere_gets_the_answer_of_an_unknown_member_and_the_booking_stays()
    {
        var (mine, outsider, room, manager) = await SetUpAsync();
        var booking = (await hub.Admin.PostJsonAsync("/api/v1/bookings", new { memberId = mine, resourceId = room, start = TenOClock, end = TenOClock.AddHours(1) })).Id();

        using var toOutsider = await manager.PostAsJsonAsync($"/api/v1/bookings/{booking}/transfer", new { memberId = outsider });
        using var toNobody = await manager.PostAsJsonAsync($"/api/v1/bookings/{booking}/transfer", new { memberId = Guid.NewGuid() });

        var refused = await toOutsider.ProblemAsync(422);
        Assert.Equal(["memberId"], refused.ErrorFields());
        Assert.Equal(Comparable(await toNobody.ProblemAsync(422)), Comparable(refused));
        Assert.Equal(mine, (await hub.Admin.GetJsonAsync($"/api/v1/bookings/{booking}"))["memberId"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task Manager_booking_a_series_or_a_visitor_for_a_member_homed_elsewhere_gets_the_answer_of_an_unknown_member()
    {
        var (_, outsider, room, manager) = await SetUpAsync();
        object Series(Guid member) => new
        {
            memberId = member, resourceId = room, weekdays = new[] { "monday" }, startTime = "09:00", endTime = "10:00", from = "2026-03-09", until = "2026-03-23",
        };
        object Visit() => new { name = "Grace Hopper", email = "grace@example.com", locationId = SiteOf(room), start = TenOClock, end = TenOClock.AddHours(2) };

        using var seriesForOutsider = await manager.PostAsJsonAsync("/api/v1/bookings/series", Series(outsider));
        using var seriesForNobody = await manager.PostAsJsonAsync("/api/v1/bookings/series", Series(Guid.NewGuid()));
        using var visitForOutsider = await manager.PostAsJsonAsync($"/api/v1/members/{outsider}/visitors", Visit());
        using var visitForNobody = await manager.PostAsJsonAsync($"/api/v1/members/{Guid.NewGuid()}/visitors", Visit());

        Assert.Equal(Comparable(await seriesForNobody.ProblemAsync(422)), Comparable(await seriesForOutsider.ProblemAsync(422)));
        Assert.Equal(Comparable(await visitForNobody.ProblemAsync(404)), Comparable(await visitForOutsider.ProblemAsync(404)));
        Assert.Empty((await hub.Admin.GetJsonAsync($"/api/v1/bookings?memberId={outsider}")).Items());
    }

    private readonly Dictionary<Guid, Guid> sites = [];

    private Guid SiteOf(Guid resource) => sites[resource];

    /// <summary>A manager of one site, a member homed there, one homed at another site of the organisation, and a room at the manager's site.</summary>
    private async Task<(Guid Mine, Guid Outsider, Guid Room, HttpClient Manager)> SetUpAsync()
    {
        hub.Time.AdjustTime(Now);
        var site = await Workspace.SiteAsync(hub.Admin, name: $"Site {Guid.NewGuid():N}"[..12]);
        var elsewhere = await Workspace.SiteAsync(hub.Admin, name: $"Else {Guid.NewGuid():N}"[..12]);
        var tier = await Workspace.TierAsync(hub.Admin, Workspace.Terms());
        var mine = await Workspace.MemberAsync(hub.Admin, site.LocationId, tier);
        var outsider = await Workspace.MemberAsync(hub.Admin, elsewhere.LocationId, tier);
        var room = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room");
        sites[room] = site.LocationId;
        return (mine, outsider, room, await hub.LocationManagerAsync(site.LocationId));
    }

    /// <summary>The problem without what differs per request (the trace id).</summary>
    private static string Comparable(JsonObject problem)
    {
        var copy = problem.DeepClone().AsObject();
        copy.Remove("traceId");
        return copy.ToJsonString();
    }
}
