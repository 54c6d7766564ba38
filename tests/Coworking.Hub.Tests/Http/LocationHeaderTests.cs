using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Auth;
using Coworking.Hub.Tests.EdgeSync;
using Coworking.Hub.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Http;

/// <summary>
/// Every POST of the OpenAPI document that answers 201 is made here, and its <c>Location</c> is followed by the same
/// caller: each answers 200. A new creating route fails the test until it is added to the walk.
/// </summary>
public sealed class LocationHeaderTests(AuthorityHubFixture authority) : IClassFixture<AuthorityHubFixture>
{
    /// <summary>Creating routes this test cannot drive, and why.</summary>
    private static readonly Dictionary<string, string> NotWalked = new(StringComparer.Ordinal)
    {
        ["POST /auth/passkeys/registration"] = "needs a WebAuthn authenticator's attestation (Coworking.Web.Tests registers passkeys with Chromium's virtual one)",
    };

    private readonly HubFixture hub = authority.Hub;

    [Fact]
    public async Task Every_created_resources_location_answers_200_to_the_same_caller()
    {
        var admin = hub.Admin;
        var walked = new List<string>();
        var failures = new List<string>();

        async Task<Guid> CreateAsync(HttpClient caller, string route, string path, object body)
        {
            using var created = await caller.PostAsJsonAsync(path, body);
            var text = await created.Content.ReadAsStringAsync();
            walked.Add(route);
            if (created.StatusCode != HttpStatusCode.Created || created.Headers.Location is not { } location)
            {
                failures.Add($"{route}: {(int)created.StatusCode} {text}");
                return Guid.Empty;
            }

            using var followed = await caller.GetAsync(location);
            if (followed.StatusCode != HttpStatusCode.OK)
            {
                failures.Add($"{route}: Location {location} answered {(int)followed.StatusCode}");
            }

            return JsonNode.Parse(text)?["id"]?.GetValue<Guid>() ?? Guid.Empty;
        }

        var start = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(3).AddHours(9), TimeSpan.Zero);
        var location = await CreateAsync(admin, "POST /api/v1/locations", "/api/v1/locations", new
        {
            name = "Location Walk", timeZone = "Europe/London", currency = "GBP", country = "GB",
        });
        var area = await CreateAsync(admin, "POST /api/v1/locations/{id}/areas", $"/api/v1/locations/{location}/areas", new { name = "Floor" });
        var door = await CreateAsync(admin, "POST /api/v1/locations/{id}/doors", $"/api/v1/locations/{location}/doors", new { areaId = area, name = "Front" });
        var desk = await CreateAsync(admin, "POST /api/v1/locations/{id}/resources", $"/api/v1/locations/{location}/resources", new { areaId = area, name = "Desk 1", kind = "hot_desk" });
        var room = await CreateAsync(admin, "POST /api/v1/locations/{id}/resources", $"/api/v1/locations/{location}/resources", new { areaId = area, name = "Room 1", kind = "meeting_room" });
        var tier = await CreateAsync(admin, "POST /api/v1/tiers", "/api/v1/tiers", new { name = "Walk tier", terms = Workspace.Terms() });
        var member = await CreateAsync(admin, "POST /api/v1/members", "/api/v1/members", new
        {
            name = "Walker", email = $"walker-{Guid.NewGuid():N}@example.com", homeLocationId = location,
        });
        await CreateAsync(admin, "POST /api/v1/members/{id}/membership", $"/api/v1/members/{member}/membership", new { tierId = tier, channel = "website" });
        await CreateAsync(admin, "POST /api/v1/members/{id}/credentials", $"/api/v1/members/{member}/credentials", new { kind = "card", facilityCode = 7, cardNumber = Random.Shared.Next(1, 60000) });
        await CreateAsync(admin, "POST /api/v1/api-keys", "/api/v1/api-keys", new { name = "walk", role = "location_manager", locationIds = new[] { location } });
        await CreateAsync(admin, "POST /api/v1/operators", "/api/v1/operators", new
        {
            email = $"walk-{Guid.NewGuid():N}@example.com", name = "Walk op", password = "correct horse battery", role = "front_desk", locationIds = new[] { location },
        });
        await CreateAsync(admin, "POST /api/v1/bookings", "/api/v1/bookings", new { memberId = member, resourceId = desk, start, end = start.AddHours(1) });
        await CreateAsync(admin, "POST /api/v1/bookings/series", "/api/v1/bookings/series", new
        {
            memberId = member, resourceId = room, weekdays = new[] { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" },
            startTime = "14:00", endTime = "15:00", from = DateOnly.FromDateTime(start.UtcDateTime).ToString("yyyy-MM-dd"),
            until = DateOnly.FromDateTime(start.UtcDateTime.AddDays(2)).ToString("yyyy-MM-dd"),
        });
        await CreateAsync(admin, "POST /api/v1/resources/{id}/blocks", $"/api/v1/resources/{room}/blocks", new { start = start.AddHours(8), end = start.AddHours(9), note = "Paint" });
        await CreateAsync(admin, "POST /api/v1/locations/{id}/areas/{areaId}/holds", $"/api/v1/locations/{location}/areas/{area}/holds", new { start = start.AddHours(10), end = start.AddHours(11), note = "Event" });
        await CreateAsync(admin, "POST /api/v1/members/{id}/visitors", $"/api/v1/members/{member}/visitors", new
        {
            name = "Guest", email = "guest@example.com", locationId = location, start = start.AddHours(2), end = start.AddHours(3),
        });
        await CreateAsync(admin, "POST /api/v1/locations/{id}/lockdowns", $"/api/v1/locations/{location}/lockdowns", new { scope = "door", doorId = door, reason = "Drill" });
        await CreateAsync(admin, "POST /api/v1/locations/{id}/sensors", $"/api/v1/locations/{location}/sensors", new
        {
            name = "Room 1 presence", kind = "presence", adapter = "zigbee2mqtt", topic = "zigbee2mqtt/room-1", resourceId = room,
        });
        await CreateAsync(admin, "POST /api/v1/locations/{id}/sensor-gateways", $"/api/v1/locations/{location}/sensor-gateways", new { username = "walk-gw" });
        await CreateAsync(admin, "POST /api/v1/locations/{id}/edges/enrolment-codes", $"/api/v1/locations/{location}/edges/enrolment-codes", new { name = "Edge 1" });
        await admin.PutJsonAsync($"/api/v1/tiers/{tier}/prices/day_pass", new { name = "Day pass", unitPriceMinor = 1500 });
        await CreateAsync(admin, "POST /api/v1/members/{id}/charges", $"/api/v1/members/{member}/charges", new { code = "day_pass", quantity = 1 });

        using var self = await MemberBrowserAsync(member);
        await CreateAsync(self.Http, "POST /api/v1/me/bookings", "/api/v1/me/bookings", new { resourceId = desk, start = start.AddHours(4), end = start.AddHours(5) });
        await CreateAsync(self.Http, "POST /api/v1/me/visitors", "/api/v1/me/visitors", new
        {
            name = "Own guest", email = "own-guest@example.com", locationId = location, start = start.AddHours(5), end = start.AddHours(6),
        });

        var creating = await CreatingRoutesAsync(admin);
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.Empty(creating.Except(walked).Except(NotWalked.Keys).Order());
    }

    /// <summary>The routes the document says answer 201.</summary>
    private static async Task<IEnumerable<string>> CreatingRoutesAsync(HttpClient client)
    {
        var document = await client.GetJsonAsync("/openapi/v1.json");
        return document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Where(op => op.Value?["responses"]?["201"] is not null).Select(op => $"{op.Key.ToUpperInvariant()} {path.Key}"))
            .ToList();
    }

    /// <summary>A browser signed in as the member, with the session's antiforgery token for its writes.</summary>
    private async Task<Browser> MemberBrowserAsync(Guid member)
    {
        using var scope = Coworking.Hub.Database.TenantScope.Organisation(hub.OrganisationId);
        var session = await hub.Services.GetRequiredService<SessionStore>()
            .IssueAsync(hub.OrganisationId, new Actor(ActorKind.Member, member), null, null, CancellationToken.None);
        var browser = new Browser(hub.BaseAddress);
        browser.Cookies.Add(hub.BaseAddress, new Cookie("cw_session", session.Token));
        using var antiforgery = await browser.Http.GetAsync("/auth/antiforgery");
        await browser.KeepAntiforgeryAsync(antiforgery);
        return browser;
    }
}
