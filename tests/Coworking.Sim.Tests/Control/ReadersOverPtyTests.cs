using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Coworking.Sim.Tests.Support;

namespace Coworking.Sim.Tests.Control;

/// <summary>The sim end to end: a real socat pty, the HTTP control API on a free port, and the test CP on the other end.</summary>
public class ReadersOverPtyTests(SimOverPty sim) : IClassFixture<SimOverPty>
{
    private static readonly byte[] NewKey = Convert.FromHexString("A1B2C3D4E5F60718293A4B5C6D7E8F90");

    [Fact]
    public async Task Card_badge_is_polled_out_as_raw_and_a_red_led_answer_makes_it_denied()
    {
        using var cp = new SerialCp(sim.Pty.CpEnd);
        await cp.ConnectAsync(SimOverPty.PlainAddress);

        var badge = sim.Http.PostAsJsonAsync($"/doors/{SimOverPty.PlainDoor}/badge", new { card = "123:45678" });
        var raw = await cp.PollUntilAsync(SimOverPty.PlainAddress, 0x50);
        var ack = await cp.AskAsync(SimOverPty.PlainAddress, TestCp.Led, TestCp.LedRecord(tempColor: 1, tempTimer100ms: 20));
        var result = await ReadAsync(await badge);

        Assert.Equal([0x00, 0x01, 26, 0x00, 0xBD, 0xD9, 0x37, 0x40], raw.Data);
        Assert.Equal(0x40, ack.Code);
        Assert.Equal("denied", result.GetProperty("result").GetString());
        Assert.Equal("red", result.GetProperty("led").GetString());
        Assert.Equal(0, result.GetProperty("strikeMs").GetInt32());
    }

    [Fact]
    public async Task Pin_badge_is_polled_out_as_keypad_and_green_with_a_strike_pulse_makes_it_granted()
    {
        using var cp = new SerialCp(sim.Pty.CpEnd);
        await cp.ConnectAsync(SimOverPty.PlainAddress);

        var badge = sim.Http.PostAsJsonAsync($"/doors/{SimOverPty.PlainDoor}/badge", new { pin = "1234" });
        var keypad = await cp.PollUntilAsync(SimOverPty.PlainAddress, 0x53);
        await cp.AskAsync(SimOverPty.PlainAddress, TestCp.Led, TestCp.LedRecord(tempColor: 2, tempTimer100ms: 30));
        await cp.AskAsync(SimOverPty.PlainAddress, TestCp.Out, TestCp.OutRecord(5, 30));
        var result = await ReadAsync(await badge);
        var door = await sim.Http.GetFromJsonAsync<JsonElement>($"/doors/{SimOverPty.PlainDoor}");

        Assert.Equal([0x00, 5, (byte)'1', (byte)'2', (byte)'3', (byte)'4', 0x0D], keypad.Data);
        Assert.Equal("granted", result.GetProperty("result").GetString());
        Assert.Equal("green", result.GetProperty("led").GetString());
        Assert.Equal(3000, result.GetProperty("strikeMs").GetInt32());
        Assert.True(door.GetProperty("online").GetBoolean());
        Assert.True(door.GetProperty("strikeOn").GetBoolean());
    }

    [Fact]
    public async Task Secure_reader_takes_a_new_key_and_sends_the_card_read_encrypted()
    {
        using var cp = new SerialCp(sim.Pty.CpEnd);
        Assert.Equal((byte)0x06, (await cp.ExchangeAsync(cp.Cp.Command(SimOverPty.SecureAddress, TestCp.Poll, sequence: 0)))?.NakCode);

        Assert.True(await cp.HandshakeAsync(SimOverPty.SecureAddress, TestCp.DefaultKey, useDefaultKey: true));
        Assert.Equal(0x40, (await cp.AskAsync(SimOverPty.SecureAddress, TestCp.Keyset, [0x01, 16, .. NewKey])).Code);
        Assert.True(await cp.HandshakeAsync(SimOverPty.SecureAddress, NewKey, useDefaultKey: false));
        var badge = sim.Http.PostAsJsonAsync($"/doors/{SimOverPty.SecureDoor}/badge", new { card = "12345678" });
        var raw = await cp.PollUntilAsync(SimOverPty.SecureAddress, 0x50);
        await cp.AskAsync(SimOverPty.SecureAddress, TestCp.Out, TestCp.OutRecord(5, 50));
        await cp.AskAsync(SimOverPty.SecureAddress, TestCp.Led, TestCp.LedRecord(tempColor: 2, tempTimer100ms: 50));
        var result = await ReadAsync(await badge);
        var door = await sim.Http.GetFromJsonAsync<JsonElement>($"/doors/{SimOverPty.SecureDoor}");

        Assert.Equal([2, 0x18], raw.SecurityBlock);
        Assert.Equal([0x00, 0x01, 32, 0x00, 0x00, 0xBC, 0x61, 0x4E], raw.Data);
        Assert.Equal("granted", result.GetProperty("result").GetString());
        Assert.Equal(5000, result.GetProperty("strikeMs").GetInt32());
        Assert.True(door.GetProperty("secureChannelActive").GetBoolean());
        Assert.False(door.GetProperty("installMode").GetBoolean());
    }

    [Fact]
    public async Task Door_contact_and_rex_reach_the_cp_as_input_reports()
    {
        using var cp = new SerialCp(sim.Pty.CpEnd);
        await cp.ConnectAsync(SimOverPty.PlainAddress);

        (await sim.Http.PostAsJsonAsync($"/doors/{SimOverPty.PlainDoor}/contact", new { open = true })).EnsureSuccessStatusCode();
        var opened = await cp.PollUntilAsync(SimOverPty.PlainAddress, 0x49);
        (await sim.Http.PostAsJsonAsync($"/doors/{SimOverPty.PlainDoor}/contact", new { open = false })).EnsureSuccessStatusCode();
        var closed = await cp.PollUntilAsync(SimOverPty.PlainAddress, 0x49);
        (await sim.Http.PostAsync($"/doors/{SimOverPty.PlainDoor}/rex", null)).EnsureSuccessStatusCode();
        var pressed = await cp.PollUntilAsync(SimOverPty.PlainAddress, 0x49);
        var released = await cp.PollUntilAsync(SimOverPty.PlainAddress, 0x49);

        Assert.Equal([0x01, 0x00], opened.Data);
        Assert.Equal([0x00, 0x00], closed.Data);
        Assert.Equal([0x00, 0x01], pressed.Data);
        Assert.Equal([0x00, 0x00], released.Data);
    }

    [Fact]
    public async Task No_reply_fault_set_over_http_silences_the_reader_until_cleared()
    {
        using var cp = new SerialCp(sim.Pty.CpEnd);
        await cp.ConnectAsync(SimOverPty.PlainAddress);

        var faulted = await ReadAsync(await sim.Http.PostAsJsonAsync($"/doors/{SimOverPty.PlainDoor}/faults", new { noReply = true }));
        var silent = await cp.ExchangeAsync(cp.Cp.Command(SimOverPty.PlainAddress, TestCp.Poll), TimeSpan.FromMilliseconds(300));
        (await sim.Http.PostAsJsonAsync($"/doors/{SimOverPty.PlainDoor}/faults", new { })).EnsureSuccessStatusCode();
        var back = await cp.ExchangeAsync(cp.Cp.Command(SimOverPty.PlainAddress, TestCp.Poll, sequence: 0));

        Assert.True(faulted.GetProperty("faults").GetProperty("noReply").GetBoolean());
        Assert.Null(silent);
        Assert.Equal((byte?)0x40, back?.Code);
    }

    [Fact]
    public async Task Unknown_door_is_404_and_a_bad_body_is_400_naming_the_field()
    {
        var unknown = await sim.Http.PostAsJsonAsync("/doors/no-such-door/badge", new { card = "1" });
        var badCard = await sim.Http.PostAsJsonAsync($"/doors/{SimOverPty.PlainDoor}/badge", new { card = "12:x" });
        var unknownField = await sim.Http.PostAsJsonAsync($"/doors/{SimOverPty.PlainDoor}/faults", new { slowReply = 5 });
        var noKeypad = await sim.Http.PostAsJsonAsync($"/doors/{SimOverPty.SecureDoor}/badge", new { pin = "1234" });
        var contact = await sim.Http.PostAsJsonAsync($"/doors/{SimOverPty.PlainDoor}/contact", new { });

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, badCard.StatusCode);
        Assert.True((await ReadAsync(badCard)).GetProperty("errors").TryGetProperty("card", out _));
        Assert.True((await ReadAsync(unknownField)).GetProperty("errors").TryGetProperty("slowReply", out _));
        Assert.True((await ReadAsync(noKeypad)).GetProperty("errors").TryGetProperty("pin", out _));
        Assert.True((await ReadAsync(contact)).GetProperty("errors").TryGetProperty("open", out _));
    }

    [Fact]
    public async Task Doors_and_buses_list_every_reader_and_line()
    {
        var doors = await sim.Http.GetFromJsonAsync<JsonElement>("/doors");
        var health = await sim.Http.GetFromJsonAsync<JsonElement>("/healthz");
        var buses = await sim.Http.GetFromJsonAsync<JsonElement>("/buses");

        Assert.Equal(
            [SimOverPty.PlainDoor, SimOverPty.SecureDoor],
            doors.EnumerateArray().Select(d => d.GetProperty("doorId").GetString() ?? string.Empty).ToArray());
        Assert.All(doors.EnumerateArray(), d => Assert.Equal(sim.Pty.SimEnd, d.GetProperty("port").GetString()));
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal(sim.Pty.SimEnd, Assert.Single(buses.EnumerateArray()).GetProperty("port").GetString());
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();
}
