using System.Net.Http.Json;
using System.Text.Json;
using static Coworking.EndToEnd.Tests.Doors.BuildingOnOneBus;

namespace Coworking.EndToEnd.Tests.Doors;

/// <summary>
/// A member at a door: the edge process and the simulated readers on a real pty, OSDP frames on the wire, the
/// verdict as the reader showed it (LED, strike) and the reason on the installer's status page.
/// </summary>
public sealed class DoorsOverOsdpTests(BuildingOnOneBus building) : IClassFixture<BuildingOnOneBus>
{
    [Theory]
    [InlineData(Front, FrontUnlockMs)]
    [InlineData(Studio, DefaultUnlockMs)]
    public async Task Known_card_turns_the_reader_green_and_pulses_the_strike_for_the_unlock_time(string door, int unlockMs)
    {
        var badge = await building.BadgeAsync(door, card: AdaCard);

        Assert.Equal(new BadgeResult("granted", "green", unlockMs, badge.ElapsedMs), badge);
        Assert.Equal("granted", await building.LatestReasonAsync(door));
    }

    [Theory]
    [InlineData(Front)]
    [InlineData(Studio)]
    public async Task Unknown_card_turns_the_reader_red_and_leaves_the_strike_alone(string door)
    {
        var badge = await building.BadgeAsync(door, card: "42:55555");

        Assert.Equal(("denied", "red", 0), (badge.Result, badge.Led, badge.StrikeMs));
        Assert.Equal("unknown_credential", await building.LatestReasonAsync(door));
    }

    [Theory]
    [InlineData(Front)]
    [InlineData(Studio)]
    public async Task Pin_typed_on_the_keypad_opens_the_door(string door)
    {
        var badge = await building.BadgeAsync(door, pin: AdaPin);

        Assert.Equal(("granted", "green"), (badge.Result, badge.Led));
        Assert.Equal("granted", await building.LatestReasonAsync(door));
    }

    [Theory]
    [InlineData(Front)]
    [InlineData(Studio)]
    public async Task Card_whose_grant_ended_yesterday_is_refused_as_expired(string door)
    {
        var badge = await building.BadgeAsync(door, card: GraceCard);

        Assert.Equal(("denied", "red"), (badge.Result, badge.Led));
        Assert.Equal("expired", await building.LatestReasonAsync(door));
    }

    [Theory]
    [InlineData(Front)]
    [InlineData(Studio)]
    public async Task Raw_card_of_a_suspended_member_is_read_by_its_whole_number_and_refused(string door)
    {
        var badge = await building.BadgeAsync(door, card: AlanCard);

        Assert.Equal("denied", badge.Result);
        Assert.Equal("holder_suspended", await building.LatestReasonAsync(door));
    }

    [Fact]
    public async Task Card_and_pin_door_opens_for_the_card_followed_by_its_pin_and_not_for_a_wrong_pin()
    {
        var right = await building.BadgeAsync(Office, card: AdaCard, pin: AdaPin);
        var rightReason = await building.LatestReasonAsync(Office);
        var wrong = await building.BadgeAsync(Office, card: AdaCard, pin: "000000");
        var wrongReason = await building.LatestReasonAsync(Office);

        Assert.Equal(("granted", "green"), (right.Result, right.Led));
        Assert.Equal("granted", rightReason);
        Assert.Equal(("denied", "red"), (wrong.Result, wrong.Led));
        Assert.Equal("unknown_credential", wrongReason);
    }

    [Fact]
    public async Task Secure_channel_reader_gets_its_own_key_at_install_and_opens_over_the_encrypted_link()
    {
        var reader = await building.ReaderAsync(Studio);
        var badge = await building.BadgeAsync(Studio, card: AdaCard);
        var simReader = await building.Sim.GetFromJsonAsync<JsonElement>($"/doors/{Studio}");

        Assert.True(reader.GetProperty("secureChannelActive").GetBoolean());
        Assert.Equal(("granted", "green"), (badge.Result, badge.Led));
        Assert.True(simReader.GetProperty("secureChannelActive").GetBoolean());
        Assert.False(simReader.GetProperty("installMode").GetBoolean());
        var keys = await File.ReadAllTextAsync(Path.Combine(building.EdgeDataDirectory, "osdp-keys.json"));
        Assert.Contains("#2\"", keys, StringComparison.Ordinal);
        Assert.DoesNotContain("#1\"", keys, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Side)]
    [InlineData(Studio)]
    public async Task Reader_that_stops_answering_shows_offline_on_the_status_page_and_comes_back(string door)
    {
        using (await building.Sim.PostAsJsonAsync($"/doors/{door}/faults", new { noReply = true }))
        {
        }

        var offline = await building.WaitForReaderAsync(door, online: false);

        using (await building.Sim.PostAsJsonAsync($"/doors/{door}/faults", new { }))
        {
        }

        var online = await building.WaitForReaderAsync(door, online: true);
        var badge = await building.BadgeAsync(door, card: AdaCard);

        Assert.False(offline.GetProperty("online").GetBoolean());
        Assert.True(online.GetProperty("online").GetBoolean());
        Assert.Equal(door == Studio ? JsonValueKind.True : JsonValueKind.Null, online.GetProperty("secureChannelActive").ValueKind);
        Assert.Equal("granted", badge.Result);
    }

    [Fact]
    public async Task Door_opened_without_a_grant_is_forced_open_and_after_an_exit_request_it_is_not()
    {
        using (await building.Sim.PostAsJsonAsync($"/doors/{Side}/contact", new { open = true }))
        {
        }

        var forced = await building.WaitForDoorStateAsync(Side, "forced_open");
        using (await building.Sim.PostAsJsonAsync($"/doors/{Side}/contact", new { open = false }))
        {
        }

        await building.WaitForDoorStateAsync(Side, "closed");
        using (await building.Sim.PostAsync($"/doors/{Side}/rex", null))
        {
        }

        await building.WaitForDoorStateAsync(Side, "unlocked");
        using (await building.Sim.PostAsJsonAsync($"/doors/{Side}/contact", new { open = true }))
        {
        }

        var opened = await building.WaitForDoorStateAsync(Side, "open");
        var heldOpen = await building.WaitForDoorStateAsync(Side, "held_open");
        using (await building.Sim.PostAsJsonAsync($"/doors/{Side}/contact", new { open = false }))
        {
        }

        await building.WaitForDoorStateAsync(Side, "closed");

        Assert.Equal(["forced_open"], forced.GetProperty("alarms").EnumerateArray().Select(a => a.GetString()));
        Assert.Empty(opened.GetProperty("alarms").EnumerateArray());
        Assert.Equal(["held_open"], heldOpen.GetProperty("alarms").EnumerateArray().Select(a => a.GetString()));
    }
}
