using System.Net;
using System.Text;
using Coworking.Hub.Tests.EdgeSync;
using Coworking.Hub.Tests.Support;

namespace Coworking.Hub.Tests.Auth;

/// <summary>
/// Every route of the OpenAPI document that names an object, walked with another organisation's ids (as that
/// organisation's peer admin) and with another location's ids (as a location manager): reads are 404 (403 where the role
/// may not use the route at all), writes never succeed, and the other side's objects are unchanged afterwards. New routes
/// are covered as soon as they are in the document.
/// </summary>
public sealed class ScopeWalkTests(AuthorityHubFixture authority) : IClassFixture<AuthorityHubFixture>
{
    private static readonly HashSet<int> RefusedWrite = [400, 403, 404, 422];

    private readonly HubFixture hub = authority.Hub;

    [Fact]
    public async Task Every_route_with_another_organisations_ids_is_not_found_and_changes_nothing()
    {
        var (_, theirAdmin) = await hub.NewOrganisationAsync("Neighbours");
        var theirs = await ObjectsAsync(theirAdmin, null);
        var before = await StateAsync(theirAdmin, theirs);

        var failures = await WalkAsync(hub.Admin, theirs, read: [404], write: RefusedWrite, skip: _ => false);

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.Equal(before, await StateAsync(theirAdmin, theirs));
    }

    [Fact]
    public async Task Every_route_with_another_locations_ids_is_refused_to_a_location_manager_and_changes_nothing()
    {
        var mine = await hub.CreateLocationAsync("Mine");
        var theirs = await ObjectsAsync(hub.Admin, null);
        var manager = await hub.LocationManagerAsync(mine);
        var before = await StateAsync(hub.Admin, theirs);

        // Tiers belong to the whole organisation: a route naming nothing but a tier is the manager's to use.
        var failures = await WalkAsync(
            manager, theirs, read: [403, 404], write: RefusedWrite, skip: route => route.InPath.All(p => route.KindOf(p) is "tiers" || !theirs.ContainsKey(route.KindOf(p))));

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.Equal(before, await StateAsync(hub.Admin, theirs));
    }

    private async Task<List<string>> WalkAsync(
        HttpClient caller, IReadOnlyDictionary<string, Guid> ids, HashSet<int> read, HashSet<int> write, Func<ApiRoute, bool> skip)
    {
        var failures = new List<string>();
        var walked = 0;
        foreach (var route in (await OpenApiRoutes.ReadAsync(hub.Admin)).Where(r => !r.Anonymous && r.InPath.Any()).OrderBy(r => r.Method == "DELETE"))
        {
            if (skip(route))
            {
                continue;
            }

            var path = route.Fill(p => p.Format == "uuid" ? route.IdFor(p, ids).ToString() : "day_pass");
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), path)
            {
                Content = route.Body is null ? null : new StringContent("{}", Encoding.UTF8, "application/json"),
            };
            using var response = await caller.SendAsync(request);
            walked++;
            var expected = route.Method is "GET" or "DELETE" ? read : write;
            if (!route.Path.StartsWith("/api/v1/", StringComparison.Ordinal) || route.Path.StartsWith("/api/v1/me/", StringComparison.Ordinal))
            {
                // Outside /api/v1 are a signed-in person's own session, passkeys and e-mailed links, and under /api/v1/me a
                // member's own data: an API key is refused them whatever the id (403; 401 for a link that is not one),
                // which tells nothing about the other side.
                expected = [.. expected, 401, 403];
            }

            if (!expected.Contains((int)response.StatusCode))
            {
                failures.Add($"{route}: {(int)response.StatusCode}, expected one of {string.Join('/', expected)}");
            }
        }

        Assert.True(walked > 30, $"only {walked} routes walked");
        return failures;
    }

    /// <summary>A location with an area, a door, a resource and a sensor; a member at home there with a card; a tier.</summary>
    private static async Task<IReadOnlyDictionary<string, Guid>> ObjectsAsync(HttpClient admin, string? name)
    {
        var site = await Workspace.SiteAsync(admin, name: name ?? "Theirs");
        var member = await HubFixture.CreateMemberAsync(admin, site.LocationId);
        var credential = (await admin.PostJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "card", facilityCode = 42, cardNumber = Random.Shared.Next(1, 60000) })).Id();
        return new Dictionary<string, Guid>(StringComparer.Ordinal)
        {
            ["locations"] = site.LocationId,
            ["areas"] = site.AreaId,
            ["doors"] = site.DoorId,
            ["resources"] = await Workspace.ResourceAsync(admin, site, "hot_desk"),
            ["members"] = member,
            ["credentials"] = credential,
            ["tiers"] = await Workspace.TierAsync(admin, Workspace.Terms()),
            ["sensors"] = (await admin.PostJsonAsync(
                $"/api/v1/locations/{site.LocationId}/sensors", new { name = "Hall PIR", kind = "pir", adapter = "coworking", areaId = site.AreaId })).Id(),
            ["gateways"] = (await admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/sensor-gateways", new { username = "hall-gw" })).Id(),
        };
    }

    /// <summary>What the owner sees of its objects: the walk must leave every byte of it as it was.</summary>
    private static async Task<string> StateAsync(HttpClient owner, IReadOnlyDictionary<string, Guid> ids)
    {
        var parts = new List<string>();
        foreach (var path in new[]
        {
            $"/api/v1/locations/{ids["locations"]}", $"/api/v1/locations/{ids["locations"]}/areas", $"/api/v1/locations/{ids["locations"]}/doors",
            $"/api/v1/locations/{ids["locations"]}/resources", $"/api/v1/members/{ids["members"]}", $"/api/v1/members/{ids["members"]}/credentials",
            $"/api/v1/members/{ids["members"]}/invoices", $"/api/v1/tiers/{ids["tiers"]}", $"/api/v1/locations/{ids["locations"]}/changes",
            $"/api/v1/locations/{ids["locations"]}/sensors", $"/api/v1/locations/{ids["locations"]}/sensor-gateways",
        })
        {
            using var response = await owner.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            parts.Add(await response.Content.ReadAsStringAsync());
        }

        return string.Join('\n', parts);
    }
}
