using System.Net.Http.Json;
using Coworking.Hub.Access;
using Coworking.Hub.Database;
using Coworking.Hub.Tests.Support;
using Coworking.Proto.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Sensors;

public sealed class SensorGatewaysApiTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Fact]
    public async Task Issued_gateway_answers_its_password_once_and_the_edges_get_only_its_verifier()
    {
        var site = await Workspace.SiteAsync(hub.Admin);

        var issued = await hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/sensor-gateways", new { username = "hall-gw" });

        var password = issued["password"]!.GetValue<string>();
        Assert.Equal(24, password.Length);
        var listed = Assert.Single((await hub.Admin.GetJsonAsync($"/api/v1/locations/{site.LocationId}/sensor-gateways")).Items());
        Assert.Equal(("hall-gw", false), (listed["username"]!.GetValue<string>(), listed.ContainsKey("password")));
        Assert.False((await hub.Admin.GetJsonAsync($"/api/v1/locations/{site.LocationId}/sensor-gateways/{issued.Id()}")).ContainsKey("password"));
        var change = (await ChangesAsync(site.LocationId)).Last(c => c.KindCase == Change.KindOneofCase.SensorGateway).SensorGateway;
        Assert.Equal((issued.Id().ToString(), "hall-gw"), (change.GatewayId, change.Username));
        Assert.DoesNotContain(password, change.ToString(), StringComparison.Ordinal);
        Assert.True(GatewayPasswords.Matches(change.PasswordVerifier, password));
        Assert.False(GatewayPasswords.Matches(change.PasswordVerifier, password + "x"));
        Assert.Contains(await SnapshotAsync(site.LocationId), c => c.SensorGateway?.GatewayId == issued.Id().ToString());
    }

    [Fact]
    public async Task Renewed_password_replaces_the_verifier_and_a_removed_gateway_leaves_the_snapshot()
    {
        var site = await Workspace.SiteAsync(hub.Admin);
        var issued = await hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/sensor-gateways", new { username = "desk-gw" });

        var renewed = await hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/sensor-gateways/{issued.Id()}/password", new { });
        var verifier = (await ChangesAsync(site.LocationId)).Last(c => c.KindCase == Change.KindOneofCase.SensorGateway).SensorGateway.PasswordVerifier;
        using var removed = await hub.Admin.DeleteAsync($"/api/v1/locations/{site.LocationId}/sensor-gateways/{issued.Id()}");

        Assert.True(GatewayPasswords.Matches(verifier, renewed["password"]!.GetValue<string>()));
        Assert.False(GatewayPasswords.Matches(verifier, issued["password"]!.GetValue<string>()));
        Assert.Equal(204, (int)removed.StatusCode);
        Assert.Contains(await ChangesAsync(site.LocationId), c => c.SensorGatewayRemoved?.GatewayId == issued.Id().ToString());
        Assert.DoesNotContain(await SnapshotAsync(site.LocationId), c => c.KindCase is Change.KindOneofCase.SensorGateway or Change.KindOneofCase.SensorGatewayRemoved);
        Assert.Empty((await hub.Admin.GetJsonAsync($"/api/v1/locations/{site.LocationId}/sensor-gateways")).Items());
    }

    [Fact]
    public async Task Bad_or_taken_username_is_refused_naming_the_field()
    {
        var site = await Workspace.SiteAsync(hub.Admin);
        await hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/sensor-gateways", new { username = "gw-1" });
        var before = await hub.CountAsync("sensor_gateways");

        using var missing = await hub.Admin.PostAsJsonAsync($"/api/v1/locations/{site.LocationId}/sensor-gateways", new { });
        using var spaces = await hub.Admin.PostAsJsonAsync($"/api/v1/locations/{site.LocationId}/sensor-gateways", new { username = "gw 2" });
        using var taken = await hub.Admin.PostAsJsonAsync($"/api/v1/locations/{site.LocationId}/sensor-gateways", new { username = "gw-1" });

        Assert.Equal(["username"], (await missing.ProblemAsync(400)).ErrorFields());
        Assert.Equal(["username"], (await spaces.ProblemAsync(400)).ErrorFields());
        Assert.Equal(["username"], (await taken.ProblemAsync(409)).ErrorFields());
        Assert.Equal(before, await hub.CountAsync("sensor_gateways"));
    }

    [Fact]
    public async Task Issuing_a_gateway_is_audited_without_its_password()
    {
        var site = await Workspace.SiteAsync(hub.Admin);
        var issued = await hub.Admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/sensor-gateways", new { username = "audited-gw" });

        var events = (await hub.Admin.GetJsonAsync($"/api/v1/audit-events?objectId={issued.Id()}")).Items();

        var created = Assert.Single(events, e => e["action"]!.GetValue<string>() == "POST /api/v1/locations/{id:guid}/sensor-gateways");
        Assert.DoesNotContain(issued["password"]!.GetValue<string>(), created.ToJsonString(), StringComparison.Ordinal);
    }

    private async Task<IReadOnlyList<Change>> ChangesAsync(Guid locationId)
    {
        using var scope = TenantScope.System("test: reads a location's change log as its edge does");
        return await hub.Services.GetRequiredService<ChangeLogStore>().ReadAsync(locationId, 0, 10_000, CancellationToken.None);
    }

    private async Task<IReadOnlyList<Change>> SnapshotAsync(Guid locationId)
    {
        using var scope = TenantScope.System("test: reads a location's snapshot as its edge does");
        var changes = new List<Change>();
        await foreach (var part in hub.Services.GetRequiredService<ChangeLogStore>().ReadSnapshotAsync(locationId, 1000, CancellationToken.None))
        {
            changes.AddRange(part.Changes);
        }

        return changes;
    }
}
