using System.Net;
using System.Net.Http.Json;
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

    [Fact]
    public async Task Nul_in_a_string_is_400_naming_the_field_and_the_next_request_is_served()
    {
        var before = await hub.CountAsync("members");

        using var response = await hub.Admin.PostAsync("/api/v1/members", Json("{\"name\": \"Null\\u0000Byte\", \"email\": \"nul@example.com\"}"));
        using var query = await hub.Admin.GetAsync("/api/v1/members?status=a%00b");

        Assert.Equal(["name"], (await response.ProblemAsync(400)).ErrorFields());
        Assert.Equal(["status"], (await query.ProblemAsync(400)).ErrorFields());
        Assert.Equal(before, await hub.CountAsync("members"));
        Assert.NotEqual(Guid.Empty, await HubFixture.CreateMemberAsync(hub.Admin, null));
    }

    [Fact]
    public async Task Duplicate_json_key_is_400_naming_the_key()
    {
        using var response = await hub.Admin.PostAsync("/api/v1/members", Json("{\"name\": \"Once\", \"name\": \"Twice\", \"email\": \"dup@example.com\"}"));

        var problem = await response.ProblemAsync(400);
        Assert.Equal(["name"], problem.ErrorFields());
        Assert.Contains("twice", problem["errors"]!["name"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Instant_outside_2000_to_2100_is_400_in_body_and_query()
    {
        using var body = await hub.Admin.PostAsync("/api/v1/bookings", Json("{\"start\": \"9999-12-31T23:59:59Z\"}"));
        using var query = await hub.Admin.GetAsync("/api/v1/bookings?from=0001-01-01T00:00:00Z");

        Assert.Equal(["start"], (await body.ProblemAsync(400)).ErrorFields());
        Assert.Equal(["from"], (await query.ProblemAsync(400)).ErrorFields());
    }

    [Fact]
    public async Task Csv_export_takes_from_and_to_in_any_offset()
    {
        using var invoices = await hub.Admin.GetAsync("/api/v1/invoices/export.csv?from=2026-03-01T00:00:00%2B05:30&to=2026-04-01T00:00:00-08:00");
        using var lines = await hub.Admin.GetAsync("/api/v1/invoices/lines.csv?from=2026-03-01T00:00:00%2B14:00");

        Assert.Equal(HttpStatusCode.OK, invoices.StatusCode);
        Assert.Equal(HttpStatusCode.OK, lines.StatusCode);
    }

    [Theory]
    [InlineData("europe/london", "Europe/London")]
    [InlineData("GB", "Europe/London")]
    [InlineData("Factory", null)]
    [InlineData("GMT Standard Time", null)]
    public async Task Time_zone_that_is_not_a_canonical_iana_id_is_refused(string zone, string? suggested)
    {
        using var response = await hub.Admin.PostAsJsonAsync("/api/v1/locations", new { name = "Zoned", timeZone = zone, currency = "GBP", country = "GB" });

        var problem = await response.ProblemAsync(400);
        Assert.Equal(["timeZone"], problem.ErrorFields());
        if (suggested is not null)
        {
            Assert.Contains(suggested, problem["errors"]!["timeZone"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Unknown_weekday_in_hours_is_refused()
    {
        using var response = await hub.Admin.PostAsync(
            "/api/v1/locations",
            Json("{\"name\":\"N\",\"timeZone\":\"Europe/Oslo\",\"currency\":\"NOK\",\"country\":\"NO\",\"staffedHours\":{\"funday\":[]}}"));

        Assert.Equal(["staffedHours.funday"], (await response.ProblemAsync(400)).ErrorFields());
    }

    [Fact]
    public async Task Price_above_the_stated_maximum_is_refused()
    {
        using var response = await hub.Admin.PostAsJsonAsync("/api/v1/tiers", new
        {
            name = "Gold plated",
            terms = new { kind = "hot_desk", priceMinor = Coworking.Hub.Billing.Money.MaxMinor + 1, currency = "GBP", billingInterval = "monthly", access = "all_hours" },
        });

        Assert.Contains("terms.priceMinor", (await response.ProblemAsync(400)).ErrorFields());
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
}
