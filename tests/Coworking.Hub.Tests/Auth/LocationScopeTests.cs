using System.Net;
using System.Net.Http.Json;
using Coworking.Hub.Tests.Support;

namespace Coworking.Hub.Tests.Auth;

/// <summary>A location manager sees and changes only its locations; other organisations do not exist for anyone.</summary>
public sealed class LocationScopeTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Fact]
    public async Task Location_manager_lists_and_reads_only_its_locations()
    {
        var mine = await hub.CreateLocationAsync("Mine");
        var theirs = await hub.CreateLocationAsync("Theirs");
        var manager = await hub.LocationManagerAsync(mine);

        var list = await manager.GetJsonAsync("/api/v1/locations");
        using var other = await manager.GetAsync($"/api/v1/locations/{theirs}");
        using var otherDoors = await manager.GetAsync($"/api/v1/locations/{theirs}/doors");

        Assert.Equal([mine], list.Items().Select(l => l.Id()));
        await other.ProblemAsync(404);
        await otherDoors.ProblemAsync(404);
    }

    [Fact]
    public async Task Location_manager_adds_doors_only_to_its_locations()
    {
        var mine = await hub.CreateLocationAsync("Mine");
        var theirs = await hub.CreateLocationAsync("Theirs");
        var theirArea = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{theirs}/areas", new { name = "Hall" })).Id();
        var manager = await hub.LocationManagerAsync(mine);
        var before = await hub.CountAsync("doors");

        var myArea = (await manager.PostJsonAsync($"/api/v1/locations/{mine}/areas", new { name = "Hall" })).Id();
        await manager.PostJsonAsync($"/api/v1/locations/{mine}/doors", new { areaId = myArea, name = "Mine" });
        using var refused = await manager.PostAsJsonAsync($"/api/v1/locations/{theirs}/doors", new { areaId = theirArea, name = "Not mine" });

        await refused.ProblemAsync(404);
        Assert.Equal(before + 1, await hub.CountAsync("doors"));
    }

    [Fact]
    public async Task Location_manager_may_not_create_locations_keys_or_operators()
    {
        var manager = await hub.LocationManagerAsync(await hub.CreateLocationAsync());

        using var location = await manager.PostAsJsonAsync("/api/v1/locations", new { name = "New", timeZone = "Europe/Rome", currency = "EUR", country = "IT" });
        using var key = await manager.PostAsJsonAsync("/api/v1/api-keys", new { name = "escalate", role = "org_admin" });
        using var keys = await manager.GetAsync("/api/v1/api-keys");
        using var op = await manager.GetAsync("/api/v1/operators");

        await location.ProblemAsync(403);
        await key.ProblemAsync(403);
        await keys.ProblemAsync(403);
        await op.ProblemAsync(403);
    }

    [Fact]
    public async Task Location_manager_sees_and_changes_only_members_at_home_in_its_locations()
    {
        var mine = await hub.CreateLocationAsync("Mine");
        var theirs = await hub.CreateLocationAsync("Theirs");
        var manager = await hub.LocationManagerAsync(mine);
        var ours = await HubFixture.CreateMemberAsync(hub.Admin, mine);
        var elsewhere = await HubFixture.CreateMemberAsync(hub.Admin, theirs);
        var homeless = await HubFixture.CreateMemberAsync(hub.Admin, null);

        var list = await manager.GetJsonAsync("/api/v1/members");
        using var read = await manager.GetAsync($"/api/v1/members/{elsewhere}");
        using var suspend = await manager.PostAsync($"/api/v1/members/{elsewhere}/suspend", null);
        using var credential = await manager.PostAsJsonAsync($"/api/v1/members/{homeless}/credentials", new { kind = "pin", pin = "246813" });

        Assert.Equal([ours], list.Items().Select(m => m.Id()));
        await read.ProblemAsync(404);
        await suspend.ProblemAsync(404);
        await credential.ProblemAsync(404);
        Assert.Equal("active", (await hub.Admin.GetJsonAsync($"/api/v1/members/{elsewhere}"))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Location_manager_cannot_place_a_member_outside_its_locations()
    {
        var mine = await hub.CreateLocationAsync("Mine");
        var theirs = await hub.CreateLocationAsync("Theirs");
        var manager = await hub.LocationManagerAsync(mine);
        var member = await HubFixture.CreateMemberAsync(manager, mine);
        var before = await hub.CountAsync("members");

        using var create = await manager.PostAsJsonAsync("/api/v1/members", new { name = "Out", email = "out@example.com", homeLocationId = theirs });
        using var move = await manager.PatchAsJsonAsync($"/api/v1/members/{member}", new { homeLocationId = theirs });

        Assert.Equal(["homeLocationId"], (await create.ProblemAsync(403)).ErrorFields());
        Assert.Equal(["homeLocationId"], (await move.ProblemAsync(403)).ErrorFields());
        Assert.Equal(before, await hub.CountAsync("members"));
        Assert.Equal(mine, (await hub.Admin.GetJsonAsync($"/api/v1/members/{member}"))["homeLocationId"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task Location_manager_sees_only_events_and_changes_of_its_locations()
    {
        var mine = await hub.CreateLocationAsync("Mine");
        var theirs = await hub.CreateLocationAsync("Theirs");
        var manager = await hub.LocationManagerAsync(mine);
        var at = DateTimeOffset.Parse("2026-03-01T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        await EdgeReports.DecisionAsync(hub.Services, hub.OrganisationId, mine, "1", "granted", at);
        await EdgeReports.DecisionAsync(hub.Services, hub.OrganisationId, theirs, "1", "unknown_credential", at);

        var seen = await manager.GetJsonAsync("/api/v1/access-events");
        var filtered = await manager.GetJsonAsync($"/api/v1/access-events?locationId={theirs}");
        using var changes = await manager.GetAsync($"/api/v1/locations/{theirs}/changes");

        Assert.Equal([mine], seen.Items().Select(e => e["locationId"]!.GetValue<Guid>()));
        Assert.Empty(filtered.Items());
        await changes.ProblemAsync(404);
    }

    [Fact]
    public async Task Location_of_another_organisation_is_not_found_even_for_its_admin_peer()
    {
        var (_, otherAdmin) = await hub.NewOrganisationAsync("Neighbours");
        var theirs = await HubFixture.CreateLocationAsync(otherAdmin);

        using var read = await hub.Admin.GetAsync($"/api/v1/locations/{theirs}");
        using var area = await hub.Admin.PostAsJsonAsync($"/api/v1/locations/{theirs}/areas", new { name = "Intrusion" });
        using var changes = await hub.Admin.GetAsync($"/api/v1/locations/{theirs}/changes");

        await read.ProblemAsync(404);
        await area.ProblemAsync(404);
        await changes.ProblemAsync(404);
        Assert.Equal(HttpStatusCode.OK, (await otherAdmin.GetAsync($"/api/v1/locations/{theirs}")).StatusCode);
    }
}
