using System.Text;
using Coworking.Edge.Osdp.Commands;
using Coworking.Edge.Osdp.Framing;

namespace Coworking.Edge.Tests.Osdp;

public sealed class FramingTests
{
    // SIA OSDP 2.2 annex E: osdp_COMSET to the broadcast address and osdp_ID to address 0, in both check modes.
    private static readonly byte[] ComSetWithCrc = Convert.FromHexString("537F0D00046E0080250000" + "6E38");
    private static readonly byte[] IdWithCrc = Convert.FromHexString("53000900046100" + "C066");
    private static readonly byte[] ComSetWithChecksum = Convert.FromHexString("537F0C00006E0080250000" + "0F");
    private static readonly byte[] IdWithChecksum = Convert.FromHexString("53000800006100" + "44");

    [Fact]
    public void Crc16_matches_the_spec_examples_and_the_standard_check_value()
    {
        Assert.Equal(0x386E, OsdpCrc16.Compute(ComSetWithCrc.AsSpan(0, 11)));
        Assert.Equal(0x66C0, OsdpCrc16.Compute(IdWithCrc.AsSpan(0, 7)));
        Assert.Equal(0xE5CC, OsdpCrc16.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void Checksum_matches_the_spec_examples()
    {
        Assert.Equal(0x0F, OsdpChecksum.Compute(ComSetWithChecksum.AsSpan(0, 11)));
        Assert.Equal(0x44, OsdpChecksum.Compute(IdWithChecksum.AsSpan(0, 7)));
    }

    [Fact]
    public void Encoder_produces_the_spec_example_frames_byte_for_byte()
    {
        var comSet = new ComSetCommand(0, 9600);
        Assert.Equal(ComSetWithCrc, OsdpFrameEncoder.Encode(new OsdpFrameHeader(0x7F, false, 0, true), comSet.Code, comSet.EncodeData()));
        Assert.Equal(ComSetWithChecksum, OsdpFrameEncoder.Encode(new OsdpFrameHeader(0x7F, false, 0, false), comSet.Code, comSet.EncodeData()));
        var id = new IdCommand();
        Assert.Equal(IdWithCrc, OsdpFrameEncoder.Encode(new OsdpFrameHeader(0, false, 0, true), id.Code, id.EncodeData()));
        Assert.Equal(IdWithChecksum, OsdpFrameEncoder.Encode(new OsdpFrameHeader(0, false, 0, false), id.Code, id.EncodeData()));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Parser_decodes_spec_frames_in_both_check_modes(bool crc)
    {
        var (parser, rejects) = NewParser();
        parser.Feed(crc ? ComSetWithCrc : ComSetWithChecksum);

        Assert.True(parser.TryTake(out var frame));
        Assert.Equal(0x7F, frame.Address);
        Assert.False(frame.IsReply);
        Assert.Equal(crc, frame.UsesCrc);
        Assert.Equal(CommandCode.ComSet, frame.Code);
        Assert.True(OsdpCommand.TryDecode(frame.Code, frame.Data.Span, out var command));
        Assert.Equal(new ComSetCommand(0, 9600), command);
        Assert.Equal(0, rejects.Total);
    }

    [Fact]
    public void Reply_frame_carries_address_without_the_reply_bit_and_its_sequence_number()
    {
        var bytes = OsdpFrameEncoder.Encode(new OsdpFrameHeader(0x12, true, 3, true), 0x40, []);
        var (parser, _) = NewParser();
        parser.Feed(bytes);

        Assert.True(parser.TryTake(out var frame));
        Assert.Equal(0x92, bytes[1]);
        Assert.Equal(0x12, frame.Address);
        Assert.True(frame.IsReply);
        Assert.Equal(3, frame.Sequence);
    }

    [Fact]
    public void Frames_split_into_single_bytes_are_reassembled()
    {
        var (parser, rejects) = NewParser();
        var stream = IdWithCrc.Concat(ComSetWithChecksum).Concat(IdWithChecksum).ToArray();
        var frames = new List<OsdpFrame>();
        foreach (var b in stream)
        {
            parser.Feed([b]);
            while (parser.TryTake(out var frame))
            {
                frames.Add(frame);
            }
        }

        Assert.Equal(3, frames.Count);
        Assert.Equal(stream, frames.SelectMany(f => f.Bytes.ToArray()));
        Assert.Equal(0, rejects.Total);
    }

    [Fact]
    public void Frame_with_bad_crc_is_counted_and_ignored()
    {
        var corrupted = (byte[])IdWithCrc.Clone();
        corrupted[5] ^= 0x01;
        var (parser, rejects) = NewParser();
        parser.Feed(corrupted);

        Assert.False(parser.TryTake(out _));
        Assert.Equal(1, rejects[OsdpRejectReason.BadCrc]);
        Assert.Equal(1, rejects.Total);
    }

    [Fact]
    public void Frame_with_bad_checksum_is_counted_and_ignored()
    {
        var corrupted = (byte[])IdWithChecksum.Clone();
        corrupted[^1] ^= 0x10;
        var (parser, rejects) = NewParser();
        parser.Feed(corrupted);

        Assert.False(parser.TryTake(out _));
        Assert.Equal(1, rejects[OsdpRejectReason.BadChecksum]);
    }

    [Fact]
    public void Garbage_before_a_frame_is_counted_once_and_the_frame_still_arrives()
    {
        var (parser, rejects) = NewParser();
        parser.Feed([0x01, 0x02, 0x99]);
        parser.Feed([0x42, 0x00]);
        parser.Feed(IdWithCrc);

        Assert.True(parser.TryTake(out var frame));
        Assert.Equal(IdWithCrc, frame.Bytes.ToArray());
        Assert.Equal(1, rejects[OsdpRejectReason.Garbage]);
    }

    [Fact]
    public void Idle_fill_and_the_mark_byte_are_not_counted_as_garbage()
    {
        var (parser, rejects) = NewParser();
        parser.Feed([0xFF, 0xFF, 0xFF]);
        parser.Feed([0xFF, .. IdWithCrc]);

        Assert.True(parser.TryTake(out _));
        Assert.Equal(0, rejects.Total);
    }

    [Fact]
    public void A_start_byte_inside_garbage_does_not_hide_the_real_frame_after_it()
    {
        var (parser, rejects) = NewParser();
        parser.Feed([0x53, 0x01, 0x02, .. IdWithCrc]);

        Assert.True(parser.TryTake(out var frame));
        Assert.Equal(IdWithCrc, frame.Bytes.ToArray());
        Assert.True(rejects.Total >= 1);
    }

    [Fact]
    public void Corrupted_length_does_not_swallow_the_good_frame_behind_it()
    {
        var lying = (byte[])IdWithCrc.Clone();
        lying[2] = 0x20;
        var (parser, rejects) = NewParser();
        parser.Feed([.. lying, .. ComSetWithCrc, .. Enumerable.Repeat((byte)0xFF, 32)]);

        Assert.True(parser.TryTake(out var frame));
        Assert.Equal(ComSetWithCrc, frame.Bytes.ToArray());
        Assert.Equal(1, rejects[OsdpRejectReason.BadCrc]);
    }

    [Fact]
    public void Oversize_length_is_counted_and_the_stream_recovers()
    {
        var (parser, rejects) = NewParser();
        parser.Feed([0x53, 0x80, 0xFF, 0x7F, 0x04, .. IdWithCrc]);

        Assert.True(parser.TryTake(out var frame));
        Assert.Equal(IdWithCrc, frame.Bytes.ToArray());
        Assert.Equal(1, rejects[OsdpRejectReason.Oversize]);
    }

    [Fact]
    public void Length_too_short_for_a_frame_is_counted()
    {
        var (parser, rejects) = NewParser();
        parser.Feed([0x53, 0x80, 0x03, 0x00, 0x04, .. IdWithCrc]);

        Assert.True(parser.TryTake(out _));
        Assert.Equal(1, rejects[OsdpRejectReason.BadLength]);
    }

    [Fact]
    public void Incomplete_frame_is_counted_as_truncated_when_discarded()
    {
        var (parser, rejects) = NewParser();
        parser.Feed(IdWithCrc.AsSpan(0, 5));
        parser.DiscardPartial();
        parser.Feed(IdWithCrc);

        Assert.True(parser.TryTake(out _));
        Assert.Equal(1, rejects[OsdpRejectReason.Truncated]);
        Assert.Equal(0, parser.Buffered);
    }

    [Fact]
    public void Security_block_that_overruns_the_frame_is_rejected()
    {
        var header = new OsdpFrameHeader(1, true, 1, true);
        var bytes = OsdpFrameEncoder.Encode(header, 0x40, [], new SecurityBlock(SecurityBlockType.Scs12, new byte[] { 1 }));
        bytes[5] = 0x09;
        var crc = OsdpCrc16.Compute(bytes.AsSpan(0, bytes.Length - 2));
        bytes[^2] = (byte)crc;
        bytes[^1] = (byte)(crc >> 8);
        var (parser, rejects) = NewParser();
        parser.Feed(bytes);

        Assert.False(parser.TryTake(out _));
        Assert.Equal(1, rejects[OsdpRejectReason.BadSecurityBlock]);
    }

    [Fact]
    public void Frame_with_security_block_and_mac_round_trips()
    {
        var header = new OsdpFrameHeader(5, false, 2, true);
        var bytes = OsdpFrameEncoder.Encode(header, 0x69, [1, 2, 3], new SecurityBlock(SecurityBlockType.Scs17, ReadOnlyMemory<byte>.Empty), (authenticated, mac) =>
        {
            mac[0] = (byte)authenticated.Length;
            mac[1] = 0xAA;
        });
        var (parser, _) = NewParser();
        parser.Feed(bytes);

        Assert.True(parser.TryTake(out var frame));
        Assert.Equal(SecurityBlockType.Scs17, frame.SecurityBlock!.Type);
        Assert.Equal(new byte[] { 1, 2, 3 }, frame.Data.ToArray());
        Assert.Equal(new byte[] { 11, 0xAA, 0, 0 }, frame.Mac.ToArray());
        Assert.Equal(bytes.AsSpan(0, 11).ToArray(), frame.Authenticated.ToArray());
    }

    private static (OsdpFrameParser Parser, OsdpRejectCounters Rejects) NewParser()
    {
        var rejects = new OsdpRejectCounters();
        return (new OsdpFrameParser(rejects), rejects);
    }
}
