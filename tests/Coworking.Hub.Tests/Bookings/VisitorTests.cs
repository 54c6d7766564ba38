using System.Net.Http.Json;
using Coworking.Hub.Access;
using Coworking.Hub.Tests.Support;
using Coworking.Proto.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Bookings;

public sealed class VisitorTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Visit = new(2026, 3, 3, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Guest_gets_a_pin_and_qr_that_open_the_location_s_doors_for_the_visit_window_only()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (admin, site, host, _) = await SetUpAsync(2);

        var visitor = await RegisterAsync(admin, host, site, Visit);

        Assert.Matches("^[0-9]{6}$", visitor["pin"]!.GetValue<string>());
        var log = await LogAsync(site.LocationId);
        var grant = log.Last(c => c.Grant?.GrantId == visitor.Id().ToString()).Grant;
        Assert.True(grant.AllDoors);
        Assert.Equal(Visit, grant.ValidFrom.ToDateTimeOffset());
        Assert.Equal(Visit.AddHours(3), grant.ValidUntil.ToDateTimeOffset());
        Assert.Equal(2, log.Count(c => c.Credential?.HolderId == visitor.Id().ToString()));
    }

    [Theory]
    [InlineData(6)]
    [InlineData(8)]
    public async Task Booking_visitor_and_transferred_booking_pins_have_the_organisation_s_pin_length(int length)
    {
        var (admin, site, host, tier) = await SetUpAsync(2);
        await admin.PutJsonAsync("/api/v1/organisation/pin-policy", new { length });
        var other = await Workspace.MemberAsync(admin, site.LocationId, tier);
        var room = await Workspace.ResourceAsync(admin, site, "meeting_room");

        var visitor = await RegisterAsync(admin, host, site, Visit);
        var booking = await admin.PostJsonAsync("/api/v1/bookings", new { memberId = host, resourceId = room, start = Visit, end = Visit.AddHours(1) });
        var transferred = await admin.PostJsonAsync($"/api/v1/bookings/{booking.Id()}/transfer", new { memberId = other });

        var pattern = $"^[0-9]{{{length}}}$";
        Assert.Matches(pattern, visitor["pin"]!.GetValue<string>());
        Assert.Matches(pattern, booking["pin"]!.GetValue<string>());
        Assert.Matches(pattern, transferred["pin"]!.GetValue<string>());
    }

    [Fact]
    public async Task Allowance_allows_the_last_guest_pass_of_the_month_and_refuses_the_next_with_the_upgrade()
    {
        var (admin, site, host, tier) = await SetUpAsync(2);
        var hosting = await Workspace.TierAsync(admin, Workspace.Terms(("guestPassesPerMonth", 10), ("priceMinor", 40000)), "Hosting");

        await RegisterAsync(admin, host, site, Visit);
        await RegisterAsync(admin, host, site, Visit.AddDays(1));
        using var refused = await PostAsync(admin, host, site, Visit.AddDays(2));
        var nextMonth = await RegisterAsync(admin, host, site, new DateTimeOffset(2026, 4, 2, 10, 0, 0, TimeSpan.Zero));

        var problem = await refused.ProblemAsync(422);
        Assert.Equal("guest_passes_per_month", problem["rule"]!.GetValue<string>());
        Assert.Equal(2, problem["limit"]!.GetValue<int>());
        Assert.Equal(tier, problem["tier"]!["id"]!.GetValue<Guid>());
        Assert.Equal(hosting, problem["upgradeTo"]!["id"]!.GetValue<Guid>());
        Assert.Equal("registered", nextMonth["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cancelled_visit_revokes_the_guest_pass_and_returns_the_allowance()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (admin, site, host, _) = await SetUpAsync(1);
        var visitor = await RegisterAsync(admin, host, site, Visit);

        var cancelled = await admin.PostJsonAsync($"/api/v1/visitors/{visitor.Id()}/cancel", new { });

        Assert.Equal("cancelled", cancelled["status"]!.GetValue<string>());
        var log = await LogAsync(site.LocationId);
        Assert.Equal(2, log.Count(c => c.CredentialRevoked is not null));
        Assert.Contains(log, c => c.GrantRemoved?.GrantId == visitor.Id().ToString());
        await RegisterAsync(admin, host, site, Visit.AddDays(1));
    }

    [Fact]
    public async Task Suspending_the_host_suspends_the_guest_pass()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (admin, site, host, _) = await SetUpAsync(1);
        var visitor = await RegisterAsync(admin, host, site, Visit);

        await admin.PostJsonAsync($"/api/v1/members/{host}/suspend", new { });

        var holder = (await LogAsync(site.LocationId)).Last(c => c.Holder?.HolderId == visitor.Id().ToString()).Holder;
        Assert.Equal(HolderStatus.Suspended, holder.Status);
    }

    private async Task<(HttpClient Admin, Site Site, Guid Host, Guid Tier)> SetUpAsync(int allowance)
    {
        hub.Time.AdjustTime(Now);
        var admin = await hub.NewOrganisationAsync();
        var site = await Workspace.SiteAsync(admin);
        var tier = await Workspace.TierAsync(admin, Workspace.Terms(("guestPassesPerMonth", allowance)), "Current");
        return (admin, site, await Workspace.MemberAsync(admin, site.LocationId, tier), tier);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient admin, Guid host, Site site, DateTimeOffset start) =>
        admin.PostAsJsonAsync($"/api/v1/members/{host}/visitors", new { name = "Charles Babbage", email = "charles@example.com", locationId = site.LocationId, start, end = start.AddHours(3) });

    private static async Task<System.Text.Json.Nodes.JsonObject> RegisterAsync(HttpClient admin, Guid host, Site site, DateTimeOffset start)
    {
        using var response = await PostAsync(admin, host, site, start);
        return await response.SuccessBodyAsync();
    }

    private Task<IReadOnlyList<Change>> LogAsync(Guid location) =>
        hub.Services.GetRequiredService<ChangeLogStore>().ReadAsync(location, 0, 5000, default);
}
