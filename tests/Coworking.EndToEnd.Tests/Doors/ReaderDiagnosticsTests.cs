using System.Net.Http.Json;
using System.Text.Json;
using static Coworking.EndToEnd.Tests.Doors.BuildingOnOneBus;

namespace Coworking.EndToEnd.Tests.Doors;

/// <summary>
/// What the status page tells an installer about a reader that misbehaves, over the real pty bus with the real
/// firmware-sim readers: each kind of trouble is named for what it is, and the refused frames are kept.
/// </summary>
public sealed class ReaderDiagnosticsTests(BuildingOnOneBus building) : IClassFixture<BuildingOnOneBus>
{
    [Fact]
    public async Task Secure_reader_whose_replies_carry_the_wrong_security_block_is_named_for_it_not_for_silence()
    {
        await SetFaultsAsync(Studio, new { wrongSecurityBlockType = 0x15 });
        try
        {
            var offline = await building.WaitForReaderAsync(Studio, online: false);

            var lastError = offline.GetProperty("lastError").GetString()!;
            Assert.Equal("bad_security_block", offline.GetProperty("lastErrorKind").GetString());
            Assert.Contains("security block type 0x15", lastError, StringComparison.Ordinal);
            Assert.DoesNotContain("no reply", lastError, StringComparison.Ordinal);
            var frames = offline.GetProperty("rejectedFrames").EnumerateArray().ToList();
            Assert.InRange(frames.Count, 1, 20);
            var frame = frames[^1];
            Assert.Equal("BadSecurityBlock", frame.GetProperty("reason").GetString());
            Assert.StartsWith("5382", frame.GetProperty("hex").GetString(), StringComparison.Ordinal);
            Assert.Equal("15", frame.GetProperty("hex").GetString()![12..14]);
            var counters = (await StudioCountersAsync()).GetProperty("counters");
            Assert.True(counters.GetProperty("badSecurityBlocks").GetInt64() > 0);
            Assert.True(counters.GetProperty("rejectedReplies").GetInt64() > 0);
        }
        finally
        {
            await SetFaultsAsync(Studio, new { });
            await building.WaitForReaderAsync(Studio, online: true);
        }
    }

    [Fact]
    public async Task Reader_whose_replies_fail_their_crc_is_named_for_bad_crc_and_a_silent_one_for_no_reply()
    {
        await SetFaultsAsync(Office, new { badCrc = true });
        JsonElement badCrc;
        try
        {
            badCrc = await building.WaitForReaderAsync(Office, online: false);
        }
        finally
        {
            await SetFaultsAsync(Office, new { });
        }

        await building.WaitForReaderAsync(Office, online: true);
        await SetFaultsAsync(Office, new { noReply = true });
        JsonElement silent;
        try
        {
            silent = await building.WaitForReaderAsync(Office, online: false);
        }
        finally
        {
            await SetFaultsAsync(Office, new { });
        }

        await building.WaitForReaderAsync(Office, online: true);
        Assert.Equal("bad_crc", badCrc.GetProperty("lastErrorKind").GetString());
        Assert.Contains("CRC-16 did not match", badCrc.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Contains(badCrc.GetProperty("rejectedFrames").EnumerateArray(), f => f.GetProperty("reason").GetString() == "BadCrc");
        Assert.Equal("no_reply", silent.GetProperty("lastErrorKind").GetString());
        Assert.Equal("no reply to 3 commands in a row", silent.GetProperty("lastError").GetString());
    }

    private async Task SetFaultsAsync(string door, object faults)
    {
        using var response = await building.Sim.PostAsJsonAsync($"/doors/{door}/faults", faults);
        response.EnsureSuccessStatusCode();
    }

    private async Task<JsonElement> StudioCountersAsync()
    {
        var buses = await building.Edge.GetFromJsonAsync<JsonElement>("/status/osdp");
        return buses.EnumerateArray().SelectMany(b => b.GetProperty("readers").EnumerateArray()).Single(r => r.GetProperty("doorId").GetString() == Studio);
    }
}
