using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Tests.Support;

namespace Coworking.Hub.Tests.Bookings;

public sealed class TiersApiTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Fact]
    public async Task Created_tier_reads_back_with_unlimited_limits_and_defaults_filled()
    {
        var created = await hub.Admin.PostJsonAsync("/api/v1/tiers", new
        {
            name = "Flex",
            terms = new { kind = "hot_desk", priceMinor = 19900, currency = "GBP", billingInterval = "monthly", advanceBookingHours = 24 },
        });

        var terms = (await hub.Admin.GetJsonAsync($"/api/v1/tiers/{created.Id()}"))["terms"]!;
        Assert.Equal(24, terms["advanceBookingHours"]!.GetValue<int>());
        Assert.Null(terms["dailyBookingHours"]);
        Assert.Equal("staffed_hours", terms["access"]!.GetValue<string>());
        Assert.False(terms["allSites"]!.GetValue<bool>());
        Assert.Equal(6, terms["allowedResourceKinds"]!.AsArray().Count);
    }

    [Fact]
    public async Task Override_changes_price_and_a_limit_at_its_location_only()
    {
        var london = await hub.CreateLocationAsync("London");
        var leeds = await hub.CreateLocationAsync("Leeds");
        var tier = await Workspace.TierAsync(hub.Admin, Workspace.Terms(("priceMinor", 30000), ("dailyBookingHours", 8)));

        using var put = await hub.Admin.PutAsJsonAsync($"/api/v1/tiers/{tier}/locations/{london}", new { priceMinor = 45000, dailyBookingHours = (int?)null });

        var atLondon = (await put.SuccessBodyAsync())["terms"]!;
        Assert.Equal(45000, atLondon["priceMinor"]!.GetValue<long>());
        Assert.Null(atLondon["dailyBookingHours"]);
        var atLeeds = (await hub.Admin.GetJsonAsync($"/api/v1/tiers/{tier}?locationId={leeds}"))["terms"]!;
        Assert.Equal(30000, atLeeds["priceMinor"]!.GetValue<long>());
        Assert.Equal(8, atLeeds["dailyBookingHours"]!.GetValue<int>());
        var listed = (await hub.Admin.GetJsonAsync($"/api/v1/tiers?locationId={london}")).Items().Single(t => t.Id() == tier);
        Assert.Equal(45000, listed["terms"]!["priceMinor"]!.GetValue<long>());
        Assert.Equal([london], listed["overriddenAt"]!.AsArray().Select(l => l!.GetValue<Guid>()));
    }

    [Fact]
    public async Task Removing_an_override_restores_the_tier_terms_there()
    {
        var location = await hub.CreateLocationAsync();
        var tier = await Workspace.TierAsync(hub.Admin, Workspace.Terms(("priceMinor", 30000)));
        using (var put = await hub.Admin.PutAsJsonAsync($"/api/v1/tiers/{tier}/locations/{location}", new { priceMinor = 1 }))
        {
            await put.SuccessBodyAsync();
        }

        using var removed = await hub.Admin.DeleteAsync($"/api/v1/tiers/{tier}/locations/{location}");

        Assert.Equal(204, (int)removed.StatusCode);
        var terms = (await hub.Admin.GetJsonAsync($"/api/v1/tiers/{tier}?locationId={location}"))["terms"]!;
        Assert.Equal(30000, terms["priceMinor"]!.GetValue<long>());
    }

    [Fact]
    public async Task Override_naming_an_unknown_term_or_a_bad_value_is_a_problem_naming_it()
    {
        var location = await hub.CreateLocationAsync();
        var tier = await Workspace.TierAsync(hub.Admin, Workspace.Terms());

        using var unknown = await hub.Admin.PutAsJsonAsync($"/api/v1/tiers/{tier}/locations/{location}", new { free = true });
        using var negative = await hub.Admin.PutAsJsonAsync($"/api/v1/tiers/{tier}/locations/{location}", new { dailyBookingHours = -1 });
        using var wrongType = await hub.Admin.PutAsJsonAsync($"/api/v1/tiers/{tier}/locations/{location}", new JsonObject { ["priceMinor"] = "lots" });

        Assert.Equal(["free"], (await unknown.ProblemAsync(400)).ErrorFields());
        Assert.Equal(["dailyBookingHours"], (await negative.ProblemAsync(400)).ErrorFields());
        Assert.Equal(["priceMinor"], (await wrongType.ProblemAsync(400)).ErrorFields());
    }

    [Fact]
    public async Task Missing_terms_are_each_named()
    {
        using var response = await hub.Admin.PostAsJsonAsync("/api/v1/tiers", new { name = "Broken", terms = new { kind = "hot_desk", allowedResourceKinds = Array.Empty<string>() } });

        Assert.Equal(
            ["terms.allowedResourceKinds", "terms.billingInterval", "terms.currency", "terms.priceMinor"],
            (await response.ProblemAsync(400)).ErrorFields().Order());
    }

    [Fact]
    public async Task Second_tier_with_the_same_name_is_a_conflict()
    {
        await Workspace.TierAsync(hub.Admin, Workspace.Terms(), "Resident");

        using var response = await hub.Admin.PostAsJsonAsync("/api/v1/tiers", new { name = "RESIDENT", terms = Workspace.Terms() });

        Assert.Equal(["name"], (await response.ProblemAsync(409)).ErrorFields());
    }

    [Fact]
    public async Task Location_manager_reads_tiers_but_may_not_create_or_override_them()
    {
        var location = await hub.CreateLocationAsync();
        var tier = await Workspace.TierAsync(hub.Admin, Workspace.Terms());
        var manager = await hub.LocationManagerAsync(location);

        using var create = await manager.PostAsJsonAsync("/api/v1/tiers", new { name = "Sneaky", terms = Workspace.Terms() });
        using var put = await manager.PutAsJsonAsync($"/api/v1/tiers/{tier}/locations/{location}", new { priceMinor = 0 });

        await create.ProblemAsync(403);
        await put.ProblemAsync(403);
        Assert.Contains((await manager.GetJsonAsync("/api/v1/tiers")).Items(), t => t.Id() == tier);
    }
}
