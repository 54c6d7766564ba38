using System.Net.Http.Json;
using Coworking.Hub.Tests.Support;

namespace Coworking.Hub.Tests.Members;

public sealed class MembersApiTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Fact]
    public async Task Created_member_is_active_and_can_be_read_back()
    {
        var location = await hub.CreateLocationAsync();

        var created = await hub.Admin.PostJsonAsync("/api/v1/members", new { name = "Grace Hopper", email = "grace@example.com", homeLocationId = location });

        Assert.Equal("active", created["status"]!.GetValue<string>());
        var read = await hub.Admin.GetJsonAsync($"/api/v1/members/{created.Id()}");
        Assert.Equal("Grace Hopper", read["name"]!.GetValue<string>());
        Assert.Equal(location, read["homeLocationId"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task Unknown_home_location_is_a_problem_naming_homeLocationId_and_nothing_is_written()
    {
        var before = await hub.CountAsync("members");

        using var response = await hub.Admin.PostAsJsonAsync("/api/v1/members", new { name = "Lost", email = "lost@example.com", homeLocationId = Guid.NewGuid() });

        Assert.Equal(["homeLocationId"], (await response.ProblemAsync(422)).ErrorFields());
        Assert.Equal(before, await hub.CountAsync("members"));
    }

    [Fact]
    public async Task Home_location_of_another_organisation_is_unknown()
    {
        var (_, otherAdmin) = await hub.NewOrganisationAsync("Rival Desks");
        var theirLocation = await HubFixture.CreateLocationAsync(otherAdmin);

        using var response = await hub.Admin.PostAsJsonAsync("/api/v1/members", new { name = "Spy", email = "spy@example.com", homeLocationId = theirLocation });

        Assert.Equal(["homeLocationId"], (await response.ProblemAsync(422)).ErrorFields());
    }

    [Fact]
    public async Task Second_member_with_the_same_email_is_a_conflict()
    {
        await HubFixture.CreateMemberAsync(hub.Admin, null, "twin@example.com");
        var before = await hub.CountAsync("members");

        using var response = await hub.Admin.PostAsJsonAsync("/api/v1/members", new { name = "Twin", email = "TWIN@example.com" });

        Assert.Equal(["email"], (await response.ProblemAsync(409)).ErrorFields());
        Assert.Equal(before, await hub.CountAsync("members"));
    }

    [Fact]
    public async Task Missing_name_and_bad_email_are_both_named()
    {
        using var response = await hub.Admin.PostAsJsonAsync("/api/v1/members", new { email = "not-an-email" });

        Assert.Equal(["email", "name"], (await response.ProblemAsync(400)).ErrorFields().Order());
    }

    [Fact]
    public async Task Unknown_member_is_not_found()
    {
        using var response = await hub.Admin.GetAsync($"/api/v1/members/{Guid.NewGuid()}");

        await response.ProblemAsync(404);
    }

    [Fact]
    public async Task Member_of_another_organisation_is_not_found_for_read_change_and_suspension()
    {
        var (_, otherAdmin) = await hub.NewOrganisationAsync("Other Org");
        var theirMember = await HubFixture.CreateMemberAsync(otherAdmin, null);

        using var read = await hub.Admin.GetAsync($"/api/v1/members/{theirMember}");
        using var patch = await hub.Admin.PatchAsJsonAsync($"/api/v1/members/{theirMember}", new { name = "Hijacked" });
        using var suspend = await hub.Admin.PostAsync($"/api/v1/members/{theirMember}/suspend", null);

        await read.ProblemAsync(404);
        await patch.ProblemAsync(404);
        await suspend.ProblemAsync(404);
        var unchanged = await otherAdmin.GetJsonAsync($"/api/v1/members/{theirMember}");
        Assert.Equal("Ada Lovelace", unchanged["name"]!.GetValue<string>());
        Assert.Equal("active", unchanged["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Suspend_and_reinstate_change_the_status()
    {
        var member = await HubFixture.CreateMemberAsync(hub.Admin, await hub.CreateLocationAsync());

        var suspended = await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/suspend", new { });
        var reinstated = await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/reinstate", new { });

        Assert.Equal("suspended", suspended["status"]!.GetValue<string>());
        Assert.Equal("active", reinstated["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Patch_changes_only_the_given_fields()
    {
        var member = await HubFixture.CreateMemberAsync(hub.Admin, null);

        using var response = await hub.Admin.PatchAsJsonAsync($"/api/v1/members/{member}", new { company = "Difference Engines", status = "paused" });

        var body = await response.SuccessBodyAsync();
        Assert.Equal("Difference Engines", body["company"]!.GetValue<string>());
        Assert.Equal("paused", body["status"]!.GetValue<string>());
        Assert.Equal("Ada Lovelace", body["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_filters_by_status_and_location_and_pages_with_a_cursor()
    {
        var location = await hub.CreateLocationAsync("Paging House");
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await HubFixture.CreateMemberAsync(hub.Admin, location));
        }

        await hub.Admin.PostJsonAsync($"/api/v1/members/{ids[4]}/suspend", new { });

        var seen = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await hub.Admin.GetJsonAsync($"/api/v1/members?locationId={location}&status=active&limit=2{(cursor is null ? string.Empty : $"&cursor={cursor}")}");
            Assert.True(page.Items().Count <= 2);
            seen.AddRange(page.Items().Select(m => m.Id()));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);

        Assert.Equal(ids.Take(4), seen);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("cursor=bm9wZQ", "cursor")]
    [InlineData("status=retired", "status")]
    public async Task Bad_paging_values_are_named(string query, string field)
    {
        using var response = await hub.Admin.GetAsync($"/api/v1/members?{query}");

        Assert.Equal([field], (await response.ProblemAsync(400)).ErrorFields());
    }

    [Fact]
    public async Task Member_created_with_credentials_gets_them_in_the_same_request()
    {
        var location = await hub.CreateLocationAsync();

        var created = await hub.Admin.PostJsonAsync("/api/v1/members", new
        {
            name = "Katherine Johnson",
            email = "katherine@example.com",
            homeLocationId = location,
            credentials = new object[] { new { kind = "card", facilityCode = 3, cardNumber = 1962 }, new { kind = "pin", pin = "314159" } },
        });

        var credentials = created["credentials"]!.AsArray().Select(c => c!.AsObject()).ToList();
        Assert.Equal(["card", "pin"], credentials.Select(c => c["kind"]!.GetValue<string>()));
        Assert.DoesNotContain("31415", created.ToJsonString(), StringComparison.Ordinal);
        var listed = await hub.Admin.GetJsonAsync($"/api/v1/members/{created.Id()}/credentials");
        Assert.Equal(credentials.Select(c => c.Id()).Order(), listed.Items().Select(c => c.Id()).Order());
        Assert.Null((await hub.Admin.GetJsonAsync($"/api/v1/members/{created.Id()}"))["credentials"]);
    }

    [Fact]
    public async Task Member_with_a_taken_card_is_not_created_at_all()
    {
        var holder = await HubFixture.CreateMemberAsync(hub.Admin, null);
        await hub.Admin.PostJsonAsync($"/api/v1/members/{holder}/credentials", new { kind = "card", cardNumber = 5150 });
        var members = await hub.CountAsync("members");
        var credentials = await hub.CountAsync("credentials");

        using var response = await hub.Admin.PostAsJsonAsync("/api/v1/members", new
        {
            name = "Late", email = "late@example.com", credentials = new object[] { new { kind = "pin", pin = "000000" }, new { kind = "card", cardNumber = "5150" } },
        });

        Assert.Equal(["credentials[1].cardNumber"], (await response.ProblemAsync(409)).ErrorFields());
        Assert.Equal(members, await hub.CountAsync("members"));
        Assert.Equal(credentials, await hub.CountAsync("credentials"));
    }

    [Fact]
    public async Task Bad_inline_credential_is_named_by_its_position()
    {
        using var response = await hub.Admin.PostAsJsonAsync("/api/v1/members", new
        {
            name = "Typo", email = "typo@example.com", credentials = new object[] { new { kind = "card", cardNumber = 1 }, new { kind = "pin", pin = "12" } },
        });

        Assert.Equal(["credentials[1].pin"], (await response.ProblemAsync(400)).ErrorFields());
    }
}
