using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Coworking.Hub.Tests.Support;

namespace Coworking.Hub.Tests.Http;

/// <summary>
/// The PATCH routes: a field given replaces the stored one, a field left out stays, a JSON null clears what may be
/// cleared and is refused (400 naming it) where it may not; each write leaves an audit row.
/// </summary>
public sealed class UpdateRoutesTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Fact]
    public async Task Location_update_renames_it_changes_its_hours_and_tells_the_edges()
    {
        var location = await hub.CreateLocationAsync("Old Mill");

        var updated = await PatchAsync($"/api/v1/locations/{location}", """{"name":"New Mill","staffedHours":{"friday":[{"open":"09:00","close":"17:00"}]}}""");

        Assert.Equal("New Mill", updated["name"]!.GetValue<string>());
        Assert.Equal("Europe/London", updated["timeZone"]!.GetValue<string>());
        Assert.Null(updated["staffedHours"]!["monday"]);
        Assert.Equal("09:00", updated["staffedHours"]!["friday"]![0]!["open"]!.GetValue<string>());
        Assert.Equal("New Mill", (await LastChangeAsync(location, "location"))["location"]!["name"]!.GetValue<string>());

        var closed = await PatchAsync($"/api/v1/locations/{location}", """{"staffedHours":null}""");
        Assert.Null(closed["staffedHours"]!["friday"]);
        Assert.Equal("New Mill", closed["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Area_is_read_and_renamed()
    {
        var site = await Workspace.SiteAsync(hub.Admin, name: "Area Works");

        var renamed = await PatchAsync($"/api/v1/locations/{site.LocationId}/areas/{site.AreaId}", """{"name":"Mezzanine"}""");

        Assert.Equal("Mezzanine", renamed["name"]!.GetValue<string>());
        Assert.Equal("Mezzanine", (await hub.Admin.GetJsonAsync($"/api/v1/locations/{site.LocationId}/areas/{site.AreaId}"))["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Door_update_keeps_its_control_and_the_edges_get_the_whole_door()
    {
        var site = await Workspace.SiteAsync(hub.Admin, name: "Door Works");
        await hub.Admin.PutJsonAsync($"/api/v1/locations/{site.LocationId}/doors/{site.DoorId}/control", new { credentialPolicy = "card_and_pin" });

        var door = await PatchAsync($"/api/v1/locations/{site.LocationId}/doors/{site.DoorId}", """{"name":"Side gate","unlockMs":2500}""");

        Assert.Equal("Side gate", door["name"]!.GetValue<string>());
        Assert.Equal(2500, door["unlockMs"]!.GetValue<int>());
        Assert.Equal("secure", door["failMode"]!.GetValue<string>());
        var sent = (await LastChangeAsync(site.LocationId, "door"))["door"]!;
        Assert.Equal("Side gate", sent["name"]!.GetValue<string>());
        Assert.Equal(2500, sent["unlockMs"]!.GetValue<int>());
        Assert.Contains("CARD_AND_PIN", sent["credentialPolicy"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("card_and_pin", (await hub.Admin.GetJsonAsync($"/api/v1/locations/{site.LocationId}/doors/{site.DoorId}/control"))["credentialPolicy"]!.GetValue<string>());
        var audit = (await hub.Admin.GetJsonAsync($"/api/v1/audit-events?objectId={site.DoorId}")).Items();
        Assert.Contains(audit, a => a["action"]!.GetValue<string>() == "PATCH /api/v1/locations/{id:guid}/doors/{doorId:guid}" && a["changes"]!["name"]!.GetValue<string>() == "Side gate");
    }

    [Fact]
    public async Task Door_moved_to_an_area_of_another_location_is_refused_naming_areaId()
    {
        var site = await Workspace.SiteAsync(hub.Admin, name: "Door Move");
        var elsewhere = await Workspace.SiteAsync(hub.Admin, name: "Door Move Else");

        using var response = await SendPatchAsync($"/api/v1/locations/{site.LocationId}/doors/{site.DoorId}", $$"""{"areaId":"{{elsewhere.AreaId}}"}""");

        Assert.Equal(["areaId"], (await response.ProblemAsync(422)).ErrorFields());
    }

    [Fact]
    public async Task Resource_bookable_hours_are_cleared_with_null_and_fields_left_out_stay()
    {
        var site = await Workspace.SiteAsync(hub.Admin, name: "Room Works");
        var room = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room", "Blue room", bookableHours: Workspace.WeekdayHours);

        var renamed = await PatchAsync($"/api/v1/resources/{room}", """{"name":"Green room","capacity":8}""");
        Assert.Equal("Green room", renamed["name"]!.GetValue<string>());
        Assert.Equal(8, renamed["capacity"]!.GetValue<int>());
        Assert.NotNull(renamed["bookableHours"]);

        var cleared = await PatchAsync($"/api/v1/resources/{room}", """{"bookableHours":null}""");
        Assert.Null(cleared["bookableHours"]);
        Assert.Equal("Green room", cleared["name"]!.GetValue<string>());
        Assert.Null((await hub.Admin.GetJsonAsync($"/api/v1/resources/{room}"))["bookableHours"]);
    }

    [Fact]
    public async Task Member_company_is_cleared_with_null_and_kept_when_left_out()
    {
        var location = await hub.CreateLocationAsync("Company Works");
        var member = await HubFixture.CreateMemberAsync(hub.Admin, location);

        var renamed = await PatchAsync($"/api/v1/members/{member}", """{"name":"Ada King"}""");
        Assert.Equal("Analytical Engines", renamed["company"]!.GetValue<string>());

        var cleared = await PatchAsync($"/api/v1/members/{member}", """{"company":null}""");
        Assert.Null(cleared["company"]);
        Assert.Equal("Ada King", cleared["name"]!.GetValue<string>());
        Assert.Null((await hub.Admin.GetJsonAsync($"/api/v1/members/{member}"))["company"]);
    }

    [Fact]
    public async Task Tier_update_lays_the_terms_given_over_its_terms_and_a_null_limit_is_unlimited()
    {
        var tier = await Workspace.TierAsync(hub.Admin, Workspace.Terms(("dailyBookingHours", 4), ("guestPassesPerMonth", 2)), $"Flex {Guid.NewGuid():N}"[..12]);

        var updated = await PatchAsync($"/api/v1/tiers/{tier}", """{"name":"Flex Plus","terms":{"dailyBookingHours":null,"priceMinor":24900}}""");

        Assert.Equal("Flex Plus", updated["name"]!.GetValue<string>());
        Assert.Null(updated["terms"]!["dailyBookingHours"]);
        Assert.Equal(24900, updated["terms"]!["priceMinor"]!.GetValue<long>());
        Assert.Equal(2, updated["terms"]!["guestPassesPerMonth"]!.GetValue<int>());

        using var bad = await SendPatchAsync($"/api/v1/tiers/{tier}", """{"terms":{"noticeDays":999,"colour":"red"}}""");
        Assert.Equal(["terms.colour"], (await bad.ProblemAsync(400)).ErrorFields());
    }

    [Fact]
    public async Task Operator_role_and_locations_are_changed_together()
    {
        var first = await hub.CreateLocationAsync("Operator Works");
        var second = await hub.CreateLocationAsync("Operator Works Two");
        var op = (await hub.Admin.PostJsonAsync("/api/v1/operators", new
        {
            email = $"op-{Guid.NewGuid():N}@example.com", name = "Olive", password = "correct horse battery", role = "front_desk", locationIds = new[] { first },
        })).Id();

        var manager = await PatchAsync($"/api/v1/operators/{op}", $$"""{"role":"location_manager","locationIds":["{{first}}","{{second}}"]}""");
        Assert.Equal("location_manager", manager["role"]!.GetValue<string>());
        Assert.Equal(2, manager["locationIds"]!.AsArray().Count);

        var admin = await PatchAsync($"/api/v1/operators/{op}", """{"role":"org_admin","name":"Olive Oyl"}""");
        Assert.Equal("org_admin", admin["role"]!.GetValue<string>());
        Assert.Empty(admin["locationIds"]!.AsArray());
        Assert.Equal("Olive Oyl", (await hub.Admin.GetJsonAsync($"/api/v1/operators/{op}"))["name"]!.GetValue<string>());

        using var noLocations = await SendPatchAsync($"/api/v1/operators/{op}", """{"role":"front_desk"}""");
        Assert.Equal(["locationIds"], (await noLocations.ProblemAsync(400)).ErrorFields());
    }

    [Theory]
    [InlineData("doors", """{"name":null,"unlockMs":5,"failMode":null}""", new[] { "failMode", "name", "unlockMs" })]
    [InlineData("resources", """{"capacity":null,"kind":"sofa"}""", new[] { "kind" })]
    [InlineData("resources", """{"capacity":null,"name":"  "}""", new[] { "capacity", "name" })]
    [InlineData("locations", """{"timeZone":"europe/london","country":null}""", new[] { "country", "timeZone" })]
    [InlineData("members", """{"status":null,"email":"nobody"}""", new[] { "email", "status" })]
    public async Task Bad_values_in_an_update_are_a_problem_naming_each_field_and_change_nothing(string kind, string body, string[] fields)
    {
        var site = await Workspace.SiteAsync(hub.Admin, name: $"Bad {kind}");
        var path = kind switch
        {
            "doors" => $"/api/v1/locations/{site.LocationId}/doors/{site.DoorId}",
            "resources" => $"/api/v1/resources/{await Workspace.ResourceAsync(hub.Admin, site, "hot_desk")}",
            "members" => $"/api/v1/members/{await HubFixture.CreateMemberAsync(hub.Admin, site.LocationId)}",
            _ => $"/api/v1/locations/{site.LocationId}",
        };
        var before = (await hub.Admin.GetJsonAsync(path)).ToJsonString();

        using var response = await SendPatchAsync(path, body);

        Assert.Equal(fields, (await response.ProblemAsync(400)).ErrorFields().Order());
        Assert.Equal(before, (await hub.Admin.GetJsonAsync(path)).ToJsonString());
    }

    private async Task<HttpResponseMessage> SendPatchAsync(string path, string body) =>
        await hub.Admin.PatchAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

    private async Task<JsonObject> PatchAsync(string path, string body)
    {
        using var response = await SendPatchAsync(path, body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.SuccessBodyAsync();
    }

    /// <summary>The change of the location's log's last entry of <paramref name="kind"/>.</summary>
    private async Task<JsonObject> LastChangeAsync(Guid location, string kind)
    {
        var entries = (await hub.Admin.GetJsonAsync($"/api/v1/locations/{location}/changes?after=0&limit=500")).Items();
        return entries.Last(e => e["kind"]!.GetValue<string>() == kind)["change"]!.AsObject();
    }
}
