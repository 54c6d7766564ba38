using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Access;
using Coworking.Hub.Tests.Support;
using Coworking.Proto.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Doors;

/// <summary>Door control through the REST API against the real PostgreSQL, and what it appends to the change log.</summary>
public sealed class DoorControlApiTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private static readonly object NineToFiveWeekdays = new
    {
        monday = new[] { new { open = "09:00", close = "17:00" } },
        tuesday = new[] { new { open = "09:00", close = "17:00" } },
        wednesday = new[] { new { open = "09:00", close = "17:00" } },
        thursday = new[] { new { open = "09:00", close = "17:00" } },
        friday = new[] { new { open = "09:00", close = "17:00" } },
    };

    [Fact]
    public async Task Door_control_is_read_back_and_reaches_the_edges_as_one_door_upsert_with_its_basic_fields()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (location, area, door) = await DoorAsync();

        var control = await hub.Admin.PutJsonAsync($"/api/v1/locations/{location}/doors/{door}/control", new
        {
            credentialPolicy = "card_and_pin", acceptHours = NineToFiveWeekdays, unlockedHours = NineToFiveWeekdays, firstPersonIn = true,
        });

        Assert.Equal("card_and_pin", control["credentialPolicy"]!.GetValue<string>());
        Assert.True(control["firstPersonIn"]!.GetValue<bool>());
        var read = await hub.Admin.GetJsonAsync($"/api/v1/locations/{location}/doors/{door}/control");
        Assert.Equal("17:00", read["unlockedHours"]!["friday"]![0]!["close"]!.GetValue<string>());
        var upsert = (await NewestAsync(location)).Door;
        Assert.Equal((door.ToString(), area.ToString(), "Reception", 3000), (upsert.DoorId, upsert.AreaId, upsert.Name, upsert.UnlockMs));
        Assert.Equal((CredentialPolicy.CardAndPin, true, true), (upsert.CredentialPolicy, upsert.CardAndPin, upsert.FirstPersonIn));
        Assert.Equal(5, upsert.UnlockedHours.Count);
        Assert.Equal(new WeeklyWindow { Weekday = 1, StartMinute = 540, EndMinute = 1020 }, upsert.Schedule[0]);
    }

    [Fact]
    public async Task New_door_accepts_a_card_or_a_pin_at_all_hours_until_its_control_is_set()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (location, _, door) = await DoorAsync();

        var control = await hub.Admin.GetJsonAsync($"/api/v1/locations/{location}/doors/{door}/control");

        Assert.Equal("card_or_pin", control["credentialPolicy"]!.GetValue<string>());
        Assert.Null(control["acceptHours"]);
        Assert.Null(control["unlockedHours"]);
        Assert.Equal(CredentialPolicy.CardOrPin, (await NewestAsync(location)).Door.CredentialPolicy);
    }

    [Theory]
    [InlineData("""{"acceptHours":null}""", "credentialPolicy")]
    [InlineData("""{"credentialPolicy":"card","firstPersonIn":true}""", "firstPersonIn")]
    [InlineData("""{"credentialPolicy":"pin","unlockedHours":{"monday":[{"open":"17:00","close":"09:00"}]}}""", "unlockedHours.monday[0].close")]
    [InlineData("""{"credentialPolicy":"pin","acceptHours":{}}""", "acceptHours")]
    public async Task Invalid_door_control_is_a_problem_naming_the_field_and_nothing_reaches_the_log(string body, string field)
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (location, _, door) = await DoorAsync();
        var before = await SeqAsync(location);

        using var response = await hub.Admin.PutAsync($"/api/v1/locations/{location}/doors/{door}/control", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal([field], (await response.ProblemAsync(400)).ErrorFields());
        Assert.Equal(before, await SeqAsync(location));
    }

    [Fact]
    public async Task Unknown_credential_policy_is_a_bad_request()
    {
        var (location, _, door) = await DoorAsync();

        using var response = await hub.Admin.PutAsJsonAsync($"/api/v1/locations/{location}/doors/{door}/control", new { credentialPolicy = "retina" });

        Assert.Equal(400, (int)response.StatusCode);
    }

    [Fact]
    public async Task Area_lockdown_reaches_the_log_with_who_and_why_and_lifting_it_leaves_no_lockdown()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (location, area, _) = await DoorAsync();

        var lockdown = await hub.Admin.PostJsonAsync($"/api/v1/locations/{location}/lockdowns", new { scope = "area", areaId = area, reason = "Gas leak" });
        var during = (await NewestAsync(location)).DoorControl;
        var active = await hub.Admin.GetJsonAsync($"/api/v1/locations/{location}/lockdowns?active=true");
        var lifted = await hub.Admin.PostJsonAsync($"/api/v1/locations/{location}/lockdowns/{lockdown.Id()}/lift", new { });
        var after = (await NewestAsync(location)).DoorControl;
        using var again = await hub.Admin.PostAsJsonAsync($"/api/v1/locations/{location}/lockdowns/{lockdown.Id()}/lift", new { });

        Assert.StartsWith("api_key:", lockdown["startedBy"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(lockdown["active"]!.GetValue<bool>());
        var sent = Assert.Single(during.Lockdowns);
        Assert.Equal((lockdown.Id().ToString(), area.ToString(), "Gas leak", false), (sent.LockdownId, Assert.Single(sent.AreaIds), sent.Reason, sent.AllDoors));
        Assert.Equal(lockdown.Id(), Assert.Single(active.Items()).Id());
        Assert.False(lifted["active"]!.GetValue<bool>());
        Assert.Empty(after.Lockdowns);
        Assert.Equal(["lockdownId"], (await again.ProblemAsync(409)).ErrorFields());
    }

    [Fact]
    public async Task Removing_a_door_lifts_its_lockdown_so_no_edge_or_list_keeps_naming_it_and_leaves_the_location_lockdown()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (location, _, door) = await DoorAsync();
        var doorLockdown = await hub.Admin.PostJsonAsync($"/api/v1/locations/{location}/lockdowns", new { scope = "door", doorId = door, reason = "Broken glass" });
        var wholeSite = await hub.Admin.PostJsonAsync($"/api/v1/locations/{location}/lockdowns", new { scope = "location", reason = "Police request" });

        using var removed = await hub.Admin.DeleteAsync($"/api/v1/locations/{location}/doors/{door}");

        Assert.Equal(204, (int)removed.StatusCode);
        var sent = Assert.Single((await NewestAsync(location)).DoorControl.Lockdowns);
        Assert.Equal(wholeSite.Id().ToString(), sent.LockdownId);
        var active = await hub.Admin.GetJsonAsync($"/api/v1/locations/{location}/lockdowns?active=true");
        Assert.Equal([wholeSite.Id()], active.Items().Select(i => i.Id()));
        var lifted = await hub.Admin.GetJsonAsync($"/api/v1/locations/{location}/lockdowns/{doorLockdown.Id()}");
        Assert.False(lifted["active"]!.GetValue<bool>());
        Assert.StartsWith("api_key:", lifted["liftedBy"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Door_under_a_location_lockdown_says_so_in_its_control()
    {
        var (location, _, door) = await DoorAsync();

        await hub.Admin.PostJsonAsync($"/api/v1/locations/{location}/lockdowns", new { scope = "location", reason = "Police request" });

        Assert.True((await hub.Admin.GetJsonAsync($"/api/v1/locations/{location}/doors/{door}/control"))["lockdown"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("""{"scope":"area","reason":"x"}""", "areaId", 400)]
    [InlineData("""{"scope":"door","reason":"x"}""", "doorId", 400)]
    [InlineData("""{"reason":"x"}""", "scope", 400)]
    [InlineData("""{"scope":"location"}""", "reason", 400)]
    [InlineData("""{"scope":"location","reason":"x","doorId":"0195f1b2-0000-7000-8000-000000000001"}""", "doorId", 400)]
    [InlineData("""{"scope":"door","reason":"x","doorId":"0195f1b2-0000-7000-8000-000000000001"}""", "doorId", 422)]
    public async Task Invalid_lockdown_is_a_problem_naming_the_field(string body, string field, int status)
    {
        var (location, _, _) = await DoorAsync();

        using var response = await hub.Admin.PostAsync($"/api/v1/locations/{location}/lockdowns", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal([field], (await response.ProblemAsync(status)).ErrorFields());
    }

    [Fact]
    public async Task Lockdown_of_a_door_of_another_location_is_refused_naming_doorId()
    {
        var (location, _, _) = await DoorAsync();
        var (_, _, otherDoor) = await DoorAsync();

        using var response = await hub.Admin.PostAsJsonAsync($"/api/v1/locations/{location}/lockdowns", new { scope = "door", doorId = otherDoor, reason = "x" });

        Assert.Equal(["doorId"], (await response.ProblemAsync(422)).ErrorFields());
    }

    [Fact]
    public async Task Access_roles_reach_the_edges_staff_admitted_in_lockdown_and_opening_first_person_in_doors()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (location, _, _) = await DoorAsync();
        var staff = await HubFixture.CreateMemberAsync(hub.Admin, location);
        var responder = await HubFixture.CreateMemberAsync(hub.Admin, location);

        var roles = await hub.Admin.PutJsonAsync($"/api/v1/locations/{location}/access-roles", new { staff = new[] { staff }, firstResponders = new[] { responder } });

        Assert.Equal(staff, roles["staff"]![0]!.GetValue<Guid>());
        var control = (await NewestAsync(location)).DoorControl;
        Assert.Equal([staff.ToString()], control.StaffHolderIds);
        Assert.Equal(new[] { staff, responder }.Select(id => id.ToString()).Order(), control.LockdownExemptHolderIds.Order());
    }

    [Fact]
    public async Task Access_role_naming_another_organisations_member_is_refused_naming_its_place()
    {
        var (location, _, _) = await DoorAsync();
        var ours = await HubFixture.CreateMemberAsync(hub.Admin, location);
        var (_, otherAdmin) = await hub.NewOrganisationAsync("Elsewhere Coworking");
        var theirs = await HubFixture.CreateMemberAsync(otherAdmin, null);

        using var response = await hub.Admin.PutAsJsonAsync($"/api/v1/locations/{location}/access-roles", new { staff = new[] { ours, theirs } });

        Assert.Equal(["staff[1]"], (await response.ProblemAsync(422)).ErrorFields());
    }

    [Fact]
    public async Task Remote_unlock_with_no_edge_connected_is_a_clear_503_and_not_a_wait()
    {
        var (location, _, door) = await DoorAsync();

        using var response = await hub.Admin.PostAsJsonAsync($"/api/v1/locations/{location}/doors/{door}/unlock", new { seconds = 5 });

        var problem = await response.ProblemAsync(503);
        Assert.Equal("No edge of this location is connected", problem["title"]!.GetValue<string>());
        Assert.Equal(0, await hub.CountAsync("door_commands"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3601)]
    public async Task Remote_unlock_for_an_impossible_time_names_seconds(int seconds)
    {
        var (location, _, door) = await DoorAsync();

        using var response = await hub.Admin.PostAsJsonAsync($"/api/v1/locations/{location}/doors/{door}/unlock", new { seconds });

        Assert.Equal(["seconds"], (await response.ProblemAsync(400)).ErrorFields());
    }

    [Fact]
    public async Task Location_manager_of_another_location_cannot_see_or_control_its_doors()
    {
        var (location, _, door) = await DoorAsync();
        var (other, _, _) = await DoorAsync();
        var manager = await hub.LocationManagerAsync(other);

        using var control = await manager.PutAsJsonAsync($"/api/v1/locations/{location}/doors/{door}/control", new { credentialPolicy = "card" });
        using var lockdown = await manager.PostAsJsonAsync($"/api/v1/locations/{location}/lockdowns", new { scope = "location", reason = "x" });
        using var unlock = await manager.PostAsJsonAsync($"/api/v1/locations/{location}/doors/{door}/unlock", new { seconds = 5 });

        Assert.Equal([404, 404, 404], new[] { control, lockdown, unlock }.Select(r => (int)r.StatusCode));
    }

    [Theory]
    [InlineData("1234")]
    [InlineData("12345")]
    [InlineData("12a456")]
    public async Task Member_pin_shorter_than_six_digits_is_refused_naming_pin(string pin)
    {
        var member = await HubFixture.CreateMemberAsync(hub.Admin, await hub.CreateLocationAsync());

        using var response = await hub.Admin.PostAsJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "pin", pin });

        Assert.Equal(["pin"], (await response.ProblemAsync(400)).ErrorFields());
    }

    [Fact]
    public async Task Organisation_pin_length_raises_the_minimum_for_member_pins_and_is_checked()
    {
        var (_, admin) = await hub.NewOrganisationAsync("Long PINs Ltd");
        var member = await HubFixture.CreateMemberAsync(admin, await HubFixture.CreateLocationAsync(admin));
        var before = await admin.GetJsonAsync("/api/v1/organisation/pin-policy");

        await admin.PutJsonAsync("/api/v1/organisation/pin-policy", new { length = 8 });
        using var seven = await admin.PostAsJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "pin", pin = "7654321" });
        using var eight = await admin.PostAsJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "pin", pin = "87654321" });
        using var tooShort = await admin.PutAsJsonAsync("/api/v1/organisation/pin-policy", new { length = 5 });

        Assert.Equal(6, before["length"]!.GetValue<int>());
        Assert.Equal(["pin"], (await seven.ProblemAsync(400)).ErrorFields());
        Assert.Equal(201, (int)eight.StatusCode);
        Assert.Equal(["length"], (await tooShort.ProblemAsync(400)).ErrorFields());
    }

    private async Task<(Guid Location, Guid Area, Guid Door)> DoorAsync()
    {
        var location = await hub.CreateLocationAsync();
        var area = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{location}/areas", new { name = "Lobby" })).Id();
        var door = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{location}/doors", new { areaId = area, name = "Reception", unlockMs = 3000 })).Id();
        return (location, area, door);
    }

    private async Task<Change> NewestAsync(Guid location)
    {
        var log = hub.Services.GetRequiredService<ChangeLogStore>();
        var seq = await SeqAsync(location);
        return Assert.Single(await log.ReadAsync(location, seq - 1, 1, default));
    }

    private async Task<long> SeqAsync(Guid location) =>
        (await hub.Services.GetRequiredService<ChangeLogStore>().ReadPositionAsync(location, default))!.LastSeq;
}
