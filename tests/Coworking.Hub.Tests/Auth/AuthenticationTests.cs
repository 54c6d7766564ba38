using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Coworking.Hub.Auth;
using Coworking.Hub.Tests.Support;
using Coworking.Testing;

namespace Coworking.Hub.Tests.Auth;

public sealed class AuthenticationTests(HubFixture hub) : IClassFixture<HubFixture>
{
    public static TheoryData<string> Routes =>
    [
        "/api/v1/locations",
        "/api/v1/members",
        $"/api/v1/members/{Guid.NewGuid()}/credentials",
        "/api/v1/access-events",
        $"/api/v1/locations/{Guid.NewGuid()}/changes",
        "/api/v1/api-keys",
        "/api/v1/operators",
    ];

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Route_without_a_key_is_401_problem(string route)
    {
        using var response = await hub.Client(null).GetAsync(route);

        await response.ProblemAsync(401);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Theory]
    [InlineData("cwk_000000000000_0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("not-a-key")]
    public async Task Unknown_or_malformed_key_is_401(string key)
    {
        using var response = await hub.Client(key).GetAsync("/api/v1/locations");

        await response.ProblemAsync(401);
    }

    [Fact]
    public async Task Key_with_a_wrong_secret_is_401()
    {
        var key = (await hub.Admin.PostJsonAsync("/api/v1/api-keys", new { name = "ci", role = "org_admin" }))["apiKey"]!.GetValue<string>();
        var tampered = key[..^4] + (key.EndsWith("0000", StringComparison.Ordinal) ? "1111" : "0000");

        using var response = await hub.Client(tampered).GetAsync("/api/v1/locations");

        await response.ProblemAsync(401);
    }

    [Fact]
    public async Task Revoked_key_is_401_from_then_on()
    {
        var created = await hub.Admin.PostJsonAsync("/api/v1/api-keys", new { name = "temporary", role = "org_admin" });
        var client = hub.Client(created["apiKey"]!.GetValue<string>());
        using var before = await client.GetAsync("/api/v1/locations");

        using var revoke = await hub.Admin.DeleteAsync($"/api/v1/api-keys/{created["key"]!["id"]!.GetValue<Guid>()}");
        using var after = await client.GetAsync("/api/v1/locations");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        await after.ProblemAsync(401);
    }

    [Fact]
    public async Task Revoked_key_is_401_at_once_through_another_hub_instance_that_used_it()
    {
        await using var second = HubApp.Build(["--urls", "http://127.0.0.1:0", .. PostgresServer.HubSettings(hub.ConnectionString), "--Serilog:MinimumLevel:Default=Warning", "--Billing:RunSchedules=false"]);
        await second.StartAsync();
        await Instances.ListeningAsync(hub.Services, second.Services);
        var created = await hub.Admin.PostJsonAsync("/api/v1/api-keys", new { name = "shared", role = "org_admin" });
        var key = created["apiKey"]!.GetValue<string>();
        using var throughSecond = new HttpClient { BaseAddress = new Uri(second.Urls.Single()) };
        throughSecond.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var client = hub.Client(key);
        var before = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var first = await client.GetAsync("/api/v1/locations");
            using var other = await throughSecond.GetAsync("/api/v1/locations");
            before.AddRange([first.StatusCode, other.StatusCode]);
        }

        using var revoke = await hub.Admin.DeleteAsync($"/api/v1/api-keys/{created["key"]!["id"]!.GetValue<Guid>()}");
        using var afterSecond = await throughSecond.GetAsync("/api/v1/locations");
        using var afterFirst = await client.GetAsync("/api/v1/locations");
        await second.StopAsync();

        Assert.All(before, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        await afterSecond.ProblemAsync(401);
        await afterFirst.ProblemAsync(401);
    }

    [Fact]
    public async Task Key_is_shown_once_and_listed_only_by_its_prefix()
    {
        var created = await hub.Admin.PostJsonAsync("/api/v1/api-keys", new { name = "door-sync", role = "org_admin" });
        var key = created["apiKey"]!.GetValue<string>();

        var list = await hub.Admin.GetJsonAsync("/api/v1/api-keys");

        Assert.StartsWith("cwk_", key, StringComparison.Ordinal);
        var listed = Assert.Single(list.Items(), k => k["name"]!.GetValue<string>() == "door-sync");
        Assert.Equal(key.Substring(4, 12), listed["prefix"]!.GetValue<string>());
        Assert.DoesNotContain(key[17..], list.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_and_openapi_need_no_key()
    {
        var anonymous = hub.Client(null);

        using var healthz = await anonymous.GetAsync("/healthz");
        using var readyz = await anonymous.GetAsync("/readyz");
        var openApi = await anonymous.GetJsonAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Equal(HttpStatusCode.OK, readyz.StatusCode);
        Assert.True(openApi["paths"]!.AsObject().ContainsKey("/api/v1/members/{id}/credentials"));
        Assert.Equal("bearer", openApi["components"]!["securitySchemes"]!["ApiKey"]!["scheme"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unknown_route_is_a_404_problem()
    {
        using var response = await hub.Admin.GetAsync("/api/v1/nothing-here");

        await response.ProblemAsync(404);
    }

    [Fact]
    public async Task Operator_is_created_with_a_hashed_password_and_listed_without_it()
    {
        var location = await hub.CreateLocationAsync();

        var created = await hub.Admin.PostJsonAsync("/api/v1/operators", new
        {
            email = "manager@example.com", name = "Maya Manager", password = "correct horse battery", role = "location_manager", locationIds = new[] { location },
        });
        var list = await hub.Admin.GetJsonAsync("/api/v1/operators");

        Assert.Equal([location], created["locationIds"]!.AsArray().Select(l => l!.GetValue<Guid>()));
        Assert.DoesNotContain("correct horse", list.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains(list.Items(), o => o["email"]!.GetValue<string>() == "manager@example.com");

        await using var conn = new Npgsql.NpgsqlConnection(hub.ConnectionString);
        await conn.OpenAsync();
        await using var read = new Npgsql.NpgsqlCommand("SELECT password_hash FROM operators WHERE id = @id", conn);
        read.Parameters.AddWithValue("id", created.Id());
        var stored = (string)(await read.ExecuteScalarAsync())!;
        var parts = stored.Split('$');
        Assert.Equal(["pbkdf2-sha256", "600000"], parts[..2]);
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.Equal(32, Convert.FromBase64String(parts[3]).Length);
        Assert.DoesNotContain("correct horse", stored, StringComparison.Ordinal);
        Assert.True(PasswordHasher.Verify("correct horse battery", stored));
        Assert.False(PasswordHasher.Verify("correct horse battery!", stored));
    }

    [Fact]
    public async Task Location_manager_without_locations_is_named()
    {
        using var response = await hub.Admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "x", role = "location_manager" });

        Assert.Equal(["locationIds"], (await response.ProblemAsync(400)).ErrorFields());
    }

    [Fact]
    public async Task Key_scoped_to_a_location_of_another_organisation_is_refused()
    {
        var (_, otherAdmin) = await hub.NewOrganisationAsync("Theirs");
        var theirLocation = await HubFixture.CreateLocationAsync(otherAdmin);
        var before = await hub.CountAsync("api_keys");

        using var response = await hub.Admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "x", role = "location_manager", locationIds = new[] { theirLocation } });

        Assert.Equal(["locationIds"], (await response.ProblemAsync(422)).ErrorFields());
        Assert.Equal(before, await hub.CountAsync("api_keys"));
    }
}
