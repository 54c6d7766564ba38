using System.Text.Json;
using System.Text.Json.Nodes;

namespace Coworking.Hub.Tests.Support;

/// <summary>A location with one area behind one door, as the booking tests set it up.</summary>
public sealed record Site(Guid LocationId, Guid AreaId, Guid DoorId, string TimeZone);

/// <summary>Builds locations, resources, tiers and members through the API for the booking tests.</summary>
public static class Workspace
{
    /// <summary>Staffed Monday to Friday 08:00-18:00.</summary>
    public static readonly object WeekdayHours = new
    {
        monday = new[] { new { open = "08:00", close = "18:00" } },
        tuesday = new[] { new { open = "08:00", close = "18:00" } },
        wednesday = new[] { new { open = "08:00", close = "18:00" } },
        thursday = new[] { new { open = "08:00", close = "18:00" } },
        friday = new[] { new { open = "08:00", close = "18:00" } },
    };

    public static async Task<Site> SiteAsync(HttpClient admin, string timeZone = "Europe/London", object? staffedHours = null, string name = "Canal Street")
    {
        var location = (await admin.PostJsonAsync("/api/v1/locations", new
        {
            name,
            timeZone,
            currency = "GBP",
            country = "GB",
            staffedHours = staffedHours ?? WeekdayHours,
        })).Id();
        var area = (await admin.PostJsonAsync($"/api/v1/locations/{location}/areas", new { name = "Ground floor" })).Id();
        var door = (await admin.PostJsonAsync($"/api/v1/locations/{location}/doors", new { areaId = area, name = "Front door" })).Id();
        return new Site(location, area, door, timeZone);
    }

    public static async Task<Guid> ResourceAsync(HttpClient admin, Site site, string kind, string? name = null, object? bookableHours = null, Guid? areaId = null) =>
        (await admin.PostJsonAsync($"/api/v1/locations/{site.LocationId}/resources", new
        {
            areaId = areaId ?? site.AreaId,
            name = name ?? $"{kind} {Guid.NewGuid():N}"[..20],
            kind,
            capacity = 1,
            bookableHours,
        })).Id();

    /// <summary>Terms of an open tier (everything allowed, 24-hour access) with <paramref name="changes"/> laid over them.</summary>
    public static JsonObject Terms(params (string Key, object? Value)[] changes)
    {
        var terms = new JsonObject
        {
            ["kind"] = "hot_desk",
            ["priceMinor"] = 20000,
            ["currency"] = "GBP",
            ["billingInterval"] = "monthly",
            ["access"] = "all_hours",
            ["allSites"] = true,
        };
        foreach (var (key, value) in changes)
        {
            terms[key] = JsonSerializer.SerializeToNode(value);
        }

        return terms;
    }

    public static async Task<Guid> TierAsync(HttpClient admin, JsonObject terms, string? name = null) =>
        (await admin.PostJsonAsync("/api/v1/tiers", new { name = name ?? $"Tier {Guid.NewGuid():N}"[..13], terms })).Id();

    /// <summary>A member at home at <paramref name="location"/>, joined to <paramref name="tierId"/> when given.</summary>
    public static async Task<Guid> MemberAsync(HttpClient admin, Guid location, Guid? tierId, string channel = "website")
    {
        var member = await HubFixture.CreateMemberAsync(admin, location);
        if (tierId is { } tier)
        {
            await admin.PostJsonAsync($"/api/v1/members/{member}/membership", new { tierId = tier, channel });
        }

        return member;
    }
}
