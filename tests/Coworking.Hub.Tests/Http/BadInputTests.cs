using System.Text;
using Coworking.Hub.Tests.Support;

namespace Coworking.Hub.Tests.Http;

/// <summary>What the framework rejects before a handler runs is still a problem naming the field, and writes nothing.</summary>
public sealed class BadInputTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Fact]
    public async Task Malformed_json_is_400_and_nothing_is_written()
    {
        var before = await hub.CountAsync("members");

        using var response = await hub.Admin.PostAsync("/api/v1/members", Json("{\"name\": \"Half\", \"email\": "));

        var problem = await response.ProblemAsync(400);
        Assert.Single(problem.ErrorFields());
        Assert.Equal(before, await hub.CountAsync("members"));
    }

    [Fact]
    public async Task Value_of_the_wrong_type_names_its_field()
    {
        using var response = await hub.Admin.PostAsync("/api/v1/members", Json("{\"name\": \"Typed\", \"email\": \"t@example.com\", \"homeLocationId\": 42}"));

        Assert.Equal(["homeLocationId"], (await response.ProblemAsync(400)).ErrorFields());
    }

    [Fact]
    public async Task Nested_value_of_the_wrong_type_names_its_path()
    {
        using var response = await hub.Admin.PostAsync(
            "/api/v1/locations",
            Json("{\"name\":\"N\",\"timeZone\":\"Europe/Oslo\",\"currency\":\"NOK\",\"country\":\"NO\",\"staffedHours\":{\"monday\":[{\"open\":8}]}}"));

        Assert.Equal(["staffedHours.monday[0].open"], (await response.ProblemAsync(400)).ErrorFields());
    }

    [Fact]
    public async Task Body_over_one_mebibyte_is_413_and_nothing_is_written()
    {
        var before = await hub.CountAsync("members");
        var huge = "{\"name\":\"Big\",\"email\":\"big@example.com\",\"company\":\"" + new string('x', 1024 * 1024) + "\"}";

        // Expect: 100-continue lets the hub refuse before the client sends the megabyte, as a careful client would.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/members") { Content = Json(huge) };
        request.Headers.ExpectContinue = true;
        using var response = await hub.Admin.SendAsync(request);

        Assert.Equal(["body"], (await response.ProblemAsync(413)).ErrorFields());
        Assert.Equal(before, await hub.CountAsync("members"));
    }

    [Fact]
    public async Task Body_that_is_not_json_is_415()
    {
        using var response = await hub.Admin.PostAsync("/api/v1/members", new StringContent("name=Form", Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(["body"], (await response.ProblemAsync(415)).ErrorFields());
    }

    [Fact]
    public async Task Enum_given_as_a_number_is_refused()
    {
        var member = await HubFixture.CreateMemberAsync(hub.Admin, null);

        using var response = await hub.Admin.PatchAsync($"/api/v1/members/{member}", Json("{\"status\": 2}"));

        Assert.Equal(["status"], (await response.ProblemAsync(400)).ErrorFields());
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
}
