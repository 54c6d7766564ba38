using System.Net.Http.Json;
using Coworking.Hub.Access;
using Coworking.Hub.Tests.Support;
using Coworking.Proto.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Bookings;

public sealed class BookingsApiTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset TenOClock = new(2026, 3, 3, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Booking_answers_a_pin_and_qr_whose_pass_opens_the_area_doors_from_five_minutes_before_start_until_end()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member, room) = await SetUpAsync();
        var otherArea = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/areas", new { name = "Loft" })).Id();
        await hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/doors", new { areaId = otherArea, name = "Loft door" });

        var booking = await BookAsync(member, room, TenOClock, TenOClock.AddHours(1));

        var pin = booking["pin"]!.GetValue<string>();
        Assert.Matches("^[0-9]{6}$", pin);
        Assert.Matches("^[0-9]+$", booking["qrPayload"]!.GetValue<string>());
        Assert.Equal(TenOClock.AddMinutes(-5), booking["accessFrom"]!.GetValue<DateTimeOffset>());
        var log = await LogAsync(site.LocationId);
        var id = booking.Id().ToString();
        Assert.Equal(HolderStatus.Active, log.Last(c => c.Holder?.HolderId == id).Holder.Status);
        var credentials = log.Where(c => c.Credential?.HolderId == id).Select(c => c.Credential).ToList();
        Assert.Equal([CredentialKind.Pin, CredentialKind.Card], credentials.Select(c => c.Kind));
        Assert.Equal(ulong.Parse(booking["qrPayload"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), credentials[1].CardNumber);
        var grant = log.Last(c => c.Grant?.GrantId == id).Grant;
        Assert.Equal([site.DoorId.ToString()], grant.DoorIds);
        Assert.False(grant.AllDoors);
        Assert.Equal(TenOClock.AddMinutes(-5), grant.ValidFrom.ToDateTimeOffset());
        Assert.Equal(TenOClock.AddHours(1), grant.ValidUntil.ToDateTimeOffset());
    }

    [Fact]
    public async Task Overlapping_booking_is_409_and_leaves_one_row()
    {
        var (site, member, room) = await SetUpAsync();
        var other = await Workspace.MemberAsync(hub.Admin, site.LocationId, await OpenTierAsync());
        await BookAsync(member, room, TenOClock, TenOClock.AddHours(2));

        using var response = await PostBookingAsync(other, room, TenOClock.AddHours(1), TenOClock.AddHours(3));

        Assert.Equal(["resourceId"], (await response.ProblemAsync(409)).ErrorFields());
        Assert.Single((await hub.Admin.GetJsonAsync($"/api/v1/bookings?resourceId={room}")).Items());
    }

    [Fact]
    public async Task Back_to_back_bookings_are_both_confirmed()
    {
        var (_, member, room) = await SetUpAsync();

        await BookAsync(member, room, TenOClock, TenOClock.AddHours(1));
        var second = await BookAsync(member, room, TenOClock.AddHours(1), TenOClock.AddHours(2));

        Assert.Equal("confirmed", second["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cancelling_revokes_the_pass_at_once_and_frees_the_slot()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member, room) = await SetUpAsync();
        var booking = await BookAsync(member, room, TenOClock, TenOClock.AddHours(1));

        var cancelled = await hub.Admin.PostJsonAsync($"/api/v1/bookings/{booking.Id()}/cancel", new { });

        Assert.Equal("cancelled", cancelled["status"]!.GetValue<string>());
        var log = await LogAsync(site.LocationId);
        var credentials = log.Where(c => c.Credential?.HolderId == booking.Id().ToString()).Select(c => c.Credential.CredentialId).ToList();
        Assert.Equal(credentials.Order(), log.Where(c => c.CredentialRevoked is not null).Select(c => c.CredentialRevoked.CredentialId).Where(credentials.Contains).Order());
        Assert.Equal(Change.KindOneofCase.GrantRemoved, log.Last(c => c.Grant?.GrantId == booking.Id().ToString() || c.GrantRemoved?.GrantId == booking.Id().ToString()).KindCase);
        await BookAsync(member, room, TenOClock, TenOClock.AddHours(1));
    }

    [Fact]
    public async Task Moving_keeps_the_pin_and_moves_the_pass_window_with_the_booking()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member, room) = await SetUpAsync();
        var booking = await BookAsync(member, room, TenOClock, TenOClock.AddHours(1));
        var credentialsBefore = (await LogAsync(site.LocationId)).Count(c => c.Credential?.HolderId == booking.Id().ToString());

        var moved = await hub.Admin.PostJsonAsync($"/api/v1/bookings/{booking.Id()}/move", new { start = TenOClock.AddHours(3), end = TenOClock.AddHours(5) });

        Assert.Equal(TenOClock.AddHours(3), moved["start"]!.GetValue<DateTimeOffset>());
        Assert.Null(moved["pin"]);
        var log = await LogAsync(site.LocationId);
        var grant = log.Last(c => c.Grant?.GrantId == booking.Id().ToString()).Grant;
        Assert.Equal(TenOClock.AddHours(3).AddMinutes(-5), grant.ValidFrom.ToDateTimeOffset());
        Assert.Equal(TenOClock.AddHours(5), grant.ValidUntil.ToDateTimeOffset());
        Assert.Equal(credentialsBefore, log.Count(c => c.Credential?.HolderId == booking.Id().ToString()));
        Assert.DoesNotContain(log, c => c.CredentialRevoked is not null);
    }

    [Fact]
    public async Task Move_onto_a_taken_slot_is_409_and_leaves_the_booking_where_it_was()
    {
        var (_, member, room) = await SetUpAsync();
        var first = await BookAsync(member, room, TenOClock, TenOClock.AddHours(1));
        await BookAsync(member, room, TenOClock.AddHours(2), TenOClock.AddHours(3));

        using var response = await hub.Admin.PostAsJsonAsync($"/api/v1/bookings/{first.Id()}/move", new { start = TenOClock.AddHours(2), end = TenOClock.AddHours(3) });

        await response.ProblemAsync(409);
        Assert.Equal(TenOClock, (await hub.Admin.GetJsonAsync($"/api/v1/bookings/{first.Id()}"))["start"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task Booking_outside_bookable_hours_or_in_the_past_is_refused_naming_start()
    {
        var (site, member, _) = await SetUpAsync();
        var room = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room", bookableHours: Workspace.WeekdayHours);

        using var evening = await PostBookingAsync(member, room, TenOClock.AddHours(7), TenOClock.AddHours(9));
        using var past = await PostBookingAsync(member, room, Now.AddHours(-1), Now.AddHours(1));
        using var inside = await PostBookingAsync(member, room, TenOClock.AddHours(-2), TenOClock.AddHours(8));

        Assert.Equal(["start"], (await evening.ProblemAsync(422)).ErrorFields());
        Assert.Equal(["start"], (await past.ProblemAsync(422)).ErrorFields());
        await inside.SuccessBodyAsync();
    }

    [Fact]
    public async Task Suspending_the_member_suspends_the_pass_of_an_upcoming_booking_and_reinstating_restores_it()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member, room) = await SetUpAsync();
        var booking = await BookAsync(member, room, TenOClock, TenOClock.AddHours(1));

        await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/suspend", new { });
        var suspended = (await LogAsync(site.LocationId)).Last(c => c.Holder?.HolderId == booking.Id().ToString()).Holder.Status;
        await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/reinstate", new { });
        var reinstated = (await LogAsync(site.LocationId)).Last(c => c.Holder?.HolderId == booking.Id().ToString()).Holder.Status;

        Assert.Equal(HolderStatus.Suspended, suspended);
        Assert.Equal(HolderStatus.Active, reinstated);
    }

    [Fact]
    public async Task Booking_pass_credentials_are_not_listed_or_revocable_as_the_member_s_own()
    {
        var (_, member, room) = await SetUpAsync();
        await BookAsync(member, room, TenOClock, TenOClock.AddHours(1));

        var own = (await hub.Admin.GetJsonAsync($"/api/v1/members/{member}/credentials")).Items();

        Assert.Empty(own);
    }

    [Fact]
    public async Task Unknown_member_or_resource_and_bad_times_are_named()
    {
        var (_, member, room) = await SetUpAsync();

        using var unknownMember = await PostBookingAsync(Guid.NewGuid(), room, TenOClock, TenOClock.AddHours(1));
        using var unknownResource = await PostBookingAsync(member, Guid.NewGuid(), TenOClock, TenOClock.AddHours(1));
        using var backwards = await PostBookingAsync(member, room, TenOClock, TenOClock.AddHours(-1));

        Assert.Equal(["memberId"], (await unknownMember.ProblemAsync(422)).ErrorFields());
        Assert.Equal(["resourceId"], (await unknownResource.ProblemAsync(422)).ErrorFields());
        Assert.Equal(["end"], (await backwards.ProblemAsync(400)).ErrorFields());
    }

    [Fact]
    public async Task Location_manager_cannot_book_or_see_bookings_of_another_location()
    {
        var (site, member, room) = await SetUpAsync();
        var booking = await BookAsync(member, room, TenOClock, TenOClock.AddHours(1));
        var elsewhere = await Workspace.SiteAsync(hub.Admin, name: "Elsewhere");
        var manager = await hub.LocationManagerAsync(elsewhere.LocationId);

        using var book = await manager.PostAsJsonAsync("/api/v1/bookings", new { memberId = member, resourceId = room, start = TenOClock.AddHours(2), end = TenOClock.AddHours(3) });
        using var read = await manager.GetAsync($"/api/v1/bookings/{booking.Id()}");
        using var cancel = await manager.PostAsJsonAsync($"/api/v1/bookings/{booking.Id()}/cancel", new { });

        Assert.Equal(["resourceId"], (await book.ProblemAsync(422)).ErrorFields());
        await read.ProblemAsync(404);
        await cancel.ProblemAsync(404);
        Assert.Empty((await manager.GetJsonAsync("/api/v1/bookings")).Items());
        Assert.Equal("confirmed", (await hub.Admin.GetJsonAsync($"/api/v1/bookings/{booking.Id()}"))["status"]!.GetValue<string>());
        Assert.NotEqual(site.LocationId, elsewhere.LocationId);
    }

    private async Task<(Site Site, Guid Member, Guid Room)> SetUpAsync()
    {
        hub.Time.AdjustTime(Now);
        var site = await Workspace.SiteAsync(hub.Admin);
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, await OpenTierAsync());
        return (site, member, await Workspace.ResourceAsync(hub.Admin, site, "meeting_room"));
    }

    private Task<Guid> OpenTierAsync() => Workspace.TierAsync(hub.Admin, Workspace.Terms());

    private async Task<System.Text.Json.Nodes.JsonObject> BookAsync(Guid member, Guid resource, DateTimeOffset start, DateTimeOffset end)
    {
        using var response = await PostBookingAsync(member, resource, start, end);
        Assert.Equal(201, (int)response.StatusCode);
        return await response.SuccessBodyAsync();
    }

    private Task<HttpResponseMessage> PostBookingAsync(Guid member, Guid resource, DateTimeOffset start, DateTimeOffset end) =>
        hub.Admin.PostAsJsonAsync("/api/v1/bookings", new { memberId = member, resourceId = resource, start, end });

    private Task<IReadOnlyList<Change>> LogAsync(Guid location) =>
        hub.Services.GetRequiredService<ChangeLogStore>().ReadAsync(location, 0, 5000, default);
}
