using Coworking.Edge.Osdp.ControlPanel;
using Coworking.Edge.Osdp.Framing;
using Coworking.Edge.Osdp.Replies;

namespace Coworking.Edge.Tests.Osdp;

public sealed class RejectedFrameTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Rejected_card_read_shows_its_header_and_check_but_never_the_card_number()
    {
        var card = new RawCardReply(0, 0, 26, new byte[] { 0x9A, 0xBC, 0xDE, 0xC0 });
        var frame = OsdpFrameEncoder.Encode(new OsdpFrameHeader(1, true, 2, true), ReplyCode.RawCard, card.EncodeData());
        var log = new RejectedFrameLog();

        log.Add(At, OsdpRejectReason.BadCrc, "the CRC-16 did not match", frame);

        var hex = log.Snapshot().Single().Hex;
        Assert.StartsWith(Convert.ToHexStringLower(frame.AsSpan(0, 6)), hex, StringComparison.Ordinal);
        Assert.EndsWith(Convert.ToHexStringLower(frame.AsSpan(frame.Length - 2)), hex, StringComparison.Ordinal);
        Assert.DoesNotContain("9abcde", hex, StringComparison.Ordinal);
        Assert.Contains("xxxx", hex, StringComparison.Ordinal);
    }

    [Fact]
    public void Reader_keeps_its_last_twenty_rejected_frames_oldest_first()
    {
        var log = new RejectedFrameLog();

        for (var i = 0; i < 25; i++)
        {
            log.Add(At.AddSeconds(i), OsdpRejectReason.BadSecurityBlock, $"frame {i}", new byte[] { 0x53, 0x81, (byte)i });
        }

        var frames = log.Snapshot();
        Assert.Equal(RejectedFrameLog.Capacity, frames.Count);
        Assert.Equal("frame 5", frames[0].Detail);
        Assert.Equal("538118", frames[^1].Hex);
    }
}
