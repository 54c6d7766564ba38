using System.Net.Http.Json;
using Coworking.Hub.Tests.Support;

namespace Coworking.Hub.Tests.Locations;

public sealed class LocationsApiTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Fact]
    public async Task Created_location_is_listed_and_read_back_with_its_staffed_hours()
    {
        var id = await hub.CreateLocationAsync("Harbour House", "America/New_York");

        var location = await hub.Admin.GetJsonAsync($"/api/v1/locations/{id}");
        Assert.Equal("Harbour House", location["name"]!.GetValue<string>());
        Assert.Equal("America/New_York", location["timeZone"]!.GetValue<string>());
        Assert.Equal("08:00", location["staffedHours"]!["monday"]![0]!["open"]!.GetValue<string>());
        var list = await hub.Admin.GetJsonAsync("/api/v1/locations");
        Assert.Contains(list.Items(), l => l.Id() == id);
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("GMT Standard Time")]
    [InlineData("")]
    public async Task Invalid_time_zone_is_a_problem_naming_timeZone_and_nothing_is_written(string timeZone)
    {
        var before = await hub.CountAsync("locations");

        using var response = await hub.Admin.PostAsJsonAsync("/api/v1/locations", new { name = "Nowhere", timeZone, currency = "EUR", country = "FR" });

        var problem = await response.ProblemAsync(400);
        Assert.Equal(["timeZone"], problem.ErrorFields());
        Assert.Equal(before, await hub.CountAsync("locations"));
    }

    [Fact]
    public async Task Unknown_currency_country_and_bad_hours_are_each_named()
    {
        using var response = await hub.Admin.PostAsJsonAsync("/api/v1/locations", new
        {
            name = "Somewhere",
            timeZone = "Europe/Paris",
            currency = "EURO",
            country = "XX",
            staffedHours = new { tuesday = new[] { new { open = "18:00", close = "08:00" } } },
        });

        var problem = await response.ProblemAsync(400);
        Assert.Equal(["country", "currency", "staffedHours.tuesday[0].close"], problem.ErrorFields().Order());
    }

    [Fact]
    public async Task Doors_are_created_in_an_area_of_their_location()
    {
        var location = await hub.CreateLocationAsync();
        var area = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{location}/areas", new { name = "Ground floor" })).Id();

        var door = await hub.Admin.PostJsonAsync($"/api/v1/locations/{location}/doors", new
        {
            areaId = area, name = "Front door", failMode = "safe", unlockMs = 3000, heldOpenLimitSeconds = 20,
        });

        Assert.Equal("safe", door["failMode"]!.GetValue<string>());
        var doors = await hub.Admin.GetJsonAsync($"/api/v1/locations/{location}/doors");
        Assert.Equal("Front door", Assert.Single(doors.Items())["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Door_in_an_area_of_another_location_names_areaId_and_is_not_written()
    {
        var first = await hub.CreateLocationAsync();
        var second = await hub.CreateLocationAsync("Other");
        var otherArea = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{second}/areas", new { name = "Roof" })).Id();
        var before = await hub.CountAsync("doors");

        using var response = await hub.Admin.PostAsJsonAsync($"/api/v1/locations/{first}/doors", new { areaId = otherArea, name = "Hatch" });

        Assert.Equal(["areaId"], (await response.ProblemAsync(422)).ErrorFields());
        Assert.Equal(before, await hub.CountAsync("doors"));
    }

    [Fact]
    public async Task Unknown_fail_mode_is_a_problem_naming_failMode()
    {
        var location = await hub.CreateLocationAsync();

        using var response = await hub.Admin.PostAsJsonAsync($"/api/v1/locations/{location}/doors", new { areaId = Guid.NewGuid(), name = "X", failMode = "open" });

        Assert.Equal(["failMode"], (await response.ProblemAsync(400)).ErrorFields());
    }

    [Fact]
    public async Task Unknown_location_is_not_found()
    {
        using var response = await hub.Admin.GetAsync($"/api/v1/locations/{Guid.NewGuid()}/doors");

        await response.ProblemAsync(404);
    }

    [Fact]
    public async Task Removed_door_is_no_longer_listed()
    {
        var location = await hub.CreateLocationAsync();
        var area = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{location}/areas", new { name = "Lobby" })).Id();
        var door = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{location}/doors", new { areaId = area, name = "Side door" })).Id();

        using var removed = await hub.Admin.DeleteAsync($"/api/v1/locations/{location}/doors/{door}");

        Assert.Equal(System.Net.HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Empty((await hub.Admin.GetJsonAsync($"/api/v1/locations/{location}/doors")).Items());
    }
}
