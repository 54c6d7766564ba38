using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Coworking.Hub.EdgeSync;
using Coworking.Hub.Tests.Support;
using Npgsql;

namespace Coworking.Hub.Tests.EdgeSync;

/// <summary>Enrolment codes and the edge list over the REST API, as an operator uses them.</summary>
public sealed class EdgesApiTests(AuthorityHubFixture fixture) : IClassFixture<AuthorityHubFixture>
{
    private HubFixture Hub => fixture.Hub;

    [Fact]
    public async Task Enrolment_code_is_shown_once_with_the_install_command_and_the_hub_keeps_only_its_hash()
    {
        var location = await Hub.CreateLocationAsync();

        var created = await Hub.Admin.PostJsonAsync($"/api/v1/locations/{location}/edges/enrolment-codes", new { name = "Basement box", expiresInMinutes = 30 });

        var code = created["code"]!.GetValue<string>();
        var (secret, pin) = (code[..code.IndexOf('.', StringComparison.Ordinal)], code[(code.IndexOf('.', StringComparison.Ordinal) + 1)..]);
        Assert.Equal(HubCertificateAuthority.PinOf(fixture.AuthorityDer), pin);
        Assert.Equal($"coworking-edge enroll --hub https://hub.example:7443 --code {code}", created["command"]!.GetValue<string>());
        Assert.Equal("Basement box", created["enrolmentCode"]!["name"]!.GetValue<string>());
        await using var conn = new NpgsqlConnection(Hub.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT code_hash, expires_at - created_at FROM edge_enrolment_codes WHERE location_id = @location", conn);
        cmd.Parameters.AddWithValue("location", location);
        await using var row = await cmd.ExecuteReaderAsync();
        Assert.True(await row.ReadAsync());
        Assert.Equal(SHA256.HashData(Encoding.ASCII.GetBytes(secret)), (byte[])row[0]);
        Assert.Equal(TimeSpan.FromMinutes(30), row.GetTimeSpan(1));
    }

    [Fact]
    public async Task Location_manager_makes_codes_and_sees_edges_only_of_its_locations()
    {
        var mine = await Hub.CreateLocationAsync("Mine");
        var theirs = await Hub.CreateLocationAsync("Theirs");
        var manager = await Hub.LocationManagerAsync(mine);

        await manager.PostJsonAsync($"/api/v1/locations/{mine}/edges/enrolment-codes", new { });
        using var refused = await manager.PostAsJsonAsync($"/api/v1/locations/{theirs}/edges/enrolment-codes", new { });

        await refused.ProblemAsync(404);
        Assert.Empty((await manager.GetJsonAsync($"/api/v1/edges?locationId={theirs}")).Items());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7 * 24 * 60 + 1)]
    public async Task Code_lifetime_outside_one_minute_to_seven_days_is_refused(int minutes)
    {
        var location = await Hub.CreateLocationAsync();

        using var response = await Hub.Admin.PostAsJsonAsync($"/api/v1/locations/{location}/edges/enrolment-codes", new { expiresInMinutes = minutes });

        Assert.Equal(["expiresInMinutes"], (await response.ProblemAsync(400)).ErrorFields());
    }

    [Fact]
    public async Task Revoked_code_is_marked_and_unknown_edges_are_not_found()
    {
        var location = await Hub.CreateLocationAsync();
        var created = await Hub.Admin.PostJsonAsync($"/api/v1/locations/{location}/edges/enrolment-codes", new { });
        var id = created["enrolmentCode"]!["id"]!.GetValue<Guid>();

        using var revoke = await Hub.Admin.DeleteAsync(new Uri($"/api/v1/edges/enrolment-codes/{id}", UriKind.Relative));
        var codes = await Hub.Admin.GetJsonAsync($"/api/v1/locations/{location}/edges/enrolment-codes");
        using var unknown = await Hub.Admin.GetAsync(new Uri($"/api/v1/edges/{Guid.NewGuid()}", UriKind.Relative));

        Assert.Equal(204, (int)revoke.StatusCode);
        Assert.NotNull(Assert.Single(codes.Items())["revokedAt"]);
        Assert.Equal(404, (int)unknown.StatusCode);
    }
}

/// <summary>Without an edge certificate authority the hub cannot make codes an edge could trust.</summary>
public sealed class EdgesApiWithoutAuthorityTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Fact]
    public async Task Hub_without_an_edge_authority_answers_503_for_a_code()
    {
        var location = await hub.CreateLocationAsync();

        using var response = await hub.Admin.PostAsJsonAsync($"/api/v1/locations/{location}/edges/enrolment-codes", new { });

        Assert.Contains("EdgeSync:AuthorityCertificatePath", (await response.ProblemAsync(503))["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
