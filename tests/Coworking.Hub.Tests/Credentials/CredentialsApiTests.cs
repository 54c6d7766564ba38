using System.Net;
using System.Net.Http.Json;
using Coworking.Hub.Tests.Support;

namespace Coworking.Hub.Tests.Credentials;

public sealed class CredentialsApiTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Fact]
    public async Task H10301_card_is_shown_by_format_and_last_two_digits_only()
    {
        var member = await HubFixture.CreateMemberAsync(hub.Admin, await hub.CreateLocationAsync());

        var card = await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "card", facilityCode = 123, cardNumber = 45678 });

        Assert.Equal("card", card["kind"]!.GetValue<string>());
        Assert.Equal("h10301", card["cardFormat"]!.GetValue<string>());
        Assert.Equal("**78", card["hint"]!.GetValue<string>());
        Assert.Equal("active", card["status"]!.GetValue<string>());
        Assert.DoesNotContain("45678", card.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Raw_64_bit_card_number_is_accepted_as_a_string()
    {
        var member = await HubFixture.CreateMemberAsync(hub.Admin, null);

        var card = await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "card", cardNumber = "18446744073709551615" });

        Assert.Equal("raw", card["cardFormat"]!.GetValue<string>());
        Assert.Equal("**15", card["hint"]!.GetValue<string>());
    }

    [Fact]
    public async Task Pin_is_never_echoed_back()
    {
        var member = await HubFixture.CreateMemberAsync(hub.Admin, null);

        var pin = await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "pin", pin = "482193" });
        var list = await hub.Admin.GetJsonAsync($"/api/v1/members/{member}/credentials");

        Assert.Equal("pin", pin["kind"]!.GetValue<string>());
        Assert.DoesNotContain("482193", pin.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("482193", list.ToJsonString(), StringComparison.Ordinal);
        Assert.Null(Assert.Single(list.Items())["hint"]);
    }

    [Theory]
    [InlineData("123")]
    [InlineData("12345")]
    [InlineData("1234567890123")]
    [InlineData("12a4")]
    [InlineData("")]
    public async Task Pin_that_is_not_6_to_12_digits_is_named_and_not_written(string pin)
    {
        var member = await HubFixture.CreateMemberAsync(hub.Admin, null);
        var before = await hub.CountAsync("credentials");

        using var response = await hub.Admin.PostAsJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "pin", pin });

        Assert.Equal(["pin"], (await response.ProblemAsync(400)).ErrorFields());
        Assert.Equal(before, await hub.CountAsync("credentials"));
    }

    [Theory]
    [InlineData(256, 1, "facilityCode")]
    [InlineData(1, 65536, "cardNumber")]
    public async Task H10301_values_out_of_range_are_named(int facilityCode, int cardNumber, string field)
    {
        var member = await HubFixture.CreateMemberAsync(hub.Admin, null);

        using var response = await hub.Admin.PostAsJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "card", facilityCode, cardNumber });

        Assert.Equal([field], (await response.ProblemAsync(400)).ErrorFields());
    }

    [Fact]
    public async Task Negative_card_number_is_named()
    {
        var member = await HubFixture.CreateMemberAsync(hub.Admin, null);

        using var response = await hub.Admin.PostAsJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "card", cardNumber = -5 });

        Assert.Equal(["cardNumber"], (await response.ProblemAsync(400)).ErrorFields());
    }

    [Fact]
    public async Task Card_issued_twice_in_the_organisation_is_a_conflict_and_nothing_is_written()
    {
        var first = await HubFixture.CreateMemberAsync(hub.Admin, null);
        var second = await HubFixture.CreateMemberAsync(hub.Admin, null);
        await hub.Admin.PostJsonAsync($"/api/v1/members/{first}/credentials", new { kind = "card", facilityCode = 7, cardNumber = 1001 });
        var before = await hub.CountAsync("credentials");

        using var response = await hub.Admin.PostAsJsonAsync($"/api/v1/members/{second}/credentials", new { kind = "card", facilityCode = 7, cardNumber = 1001 });

        Assert.Equal(["cardNumber"], (await response.ProblemAsync(409)).ErrorFields());
        Assert.Equal(before, await hub.CountAsync("credentials"));
    }

    [Fact]
    public async Task Same_card_number_in_another_organisation_is_allowed()
    {
        var (_, otherAdmin) = await hub.NewOrganisationAsync("Elsewhere");
        var ours = await HubFixture.CreateMemberAsync(hub.Admin, null);
        var theirs = await HubFixture.CreateMemberAsync(otherAdmin, null);

        await hub.Admin.PostJsonAsync($"/api/v1/members/{ours}/credentials", new { kind = "card", cardNumber = 99887766 });
        using var response = await otherAdmin.PostAsJsonAsync($"/api/v1/members/{theirs}/credentials", new { kind = "card", cardNumber = 99887766 });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Revoked_card_may_be_issued_again()
    {
        var member = await HubFixture.CreateMemberAsync(hub.Admin, null);
        var card = await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "card", facilityCode = 9, cardNumber = 2002 });

        using var revoked = await hub.Admin.DeleteAsync($"/api/v1/credentials/{card.Id()}");
        var again = await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "card", facilityCode = 9, cardNumber = 2002 });

        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        var list = (await hub.Admin.GetJsonAsync($"/api/v1/members/{member}/credentials")).Items();
        Assert.Equal(["revoked", "active"], list.Select(c => c["status"]!.GetValue<string>()));
        Assert.Equal(again.Id(), list[1].Id());
    }

    [Fact]
    public async Task Same_pin_twice_in_the_organisation_is_a_conflict()
    {
        var first = await HubFixture.CreateMemberAsync(hub.Admin, null);
        var second = await HubFixture.CreateMemberAsync(hub.Admin, null);
        await hub.Admin.PostJsonAsync($"/api/v1/members/{first}/credentials", new { kind = "pin", pin = "739100" });

        using var response = await hub.Admin.PostAsJsonAsync($"/api/v1/members/{second}/credentials", new { kind = "pin", pin = "739100" });

        Assert.Equal(["pin"], (await response.ProblemAsync(409)).ErrorFields());
    }

    [Fact]
    public async Task Credential_for_an_unknown_member_is_not_found_and_not_written()
    {
        var before = await hub.CountAsync("credentials");

        using var response = await hub.Admin.PostAsJsonAsync($"/api/v1/members/{Guid.NewGuid()}/credentials", new { kind = "pin", pin = "123456" });

        await response.ProblemAsync(404);
        Assert.Equal(before, await hub.CountAsync("credentials"));
    }

    [Fact]
    public async Task Credentials_of_another_organisation_cannot_be_added_listed_or_revoked()
    {
        var (_, otherAdmin) = await hub.NewOrganisationAsync("Foreign");
        var theirMember = await HubFixture.CreateMemberAsync(otherAdmin, null);
        var theirCard = await otherAdmin.PostJsonAsync($"/api/v1/members/{theirMember}/credentials", new { kind = "card", cardNumber = 5550001 });

        using var add = await hub.Admin.PostAsJsonAsync($"/api/v1/members/{theirMember}/credentials", new { kind = "pin", pin = "864200" });
        using var list = await hub.Admin.GetAsync($"/api/v1/members/{theirMember}/credentials");
        using var revoke = await hub.Admin.DeleteAsync($"/api/v1/credentials/{theirCard.Id()}");

        await add.ProblemAsync(404);
        await list.ProblemAsync(404);
        await revoke.ProblemAsync(404);
        var still = (await otherAdmin.GetJsonAsync($"/api/v1/members/{theirMember}/credentials")).Items();
        Assert.Equal("active", Assert.Single(still)["status"]!.GetValue<string>());
    }
}
