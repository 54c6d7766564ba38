namespace Coworking.Sim.Osdp.Framing;

internal enum FrameError
{
    None,

    /// <summary>The CRC or checksum did not match; nothing in the frame can be trusted but its position.</summary>
    BadCheck,

    /// <summary>The check matched but the parts do not fit the length (security block overruns, no command code).</summary>
    Malformed,
}

/// <summary>The parts of a frame between header and check. MAC is present for security blocks SCS_15..SCS_18.</summary>
internal sealed record FrameContent(byte[]? SecurityBlock, byte Code, byte[] Data, byte[]? Mac)
{
    public byte? SecurityBlockType => SecurityBlock is { Length: >= 2 } block ? block[1] : null;
}

/// <summary>
/// One frame cut from the byte stream: SOM, ADDR, LEN (LE), CTRL, [security block], code, data, [MAC], check.
/// <see cref="Bytes"/> is the whole frame from SOM through the check, without the optional 0xFF mark byte.
/// </summary>
internal sealed record OsdpFrame(byte AddressByte, byte Control, bool HadMark, byte[] Bytes, FrameError Error, FrameContent? Content)
{
    public const byte ReplyBit = 0x80;
    public const byte BroadcastAddress = 0x7F;

    public byte Address => (byte)(AddressByte & 0x7F);

    public bool IsReply => (AddressByte & ReplyBit) != 0;

    public byte Sequence => (byte)(Control & FrameControl.SequenceMask);

    public bool UsesCrc => (Control & FrameControl.Crc) != 0;

    public int CheckLength => UsesCrc ? 2 : 1;

    /// <summary>What a MAC covers: the frame from SOM up to (not including) the MAC.</summary>
    public ReadOnlySpan<byte> MacInput => Bytes.AsSpan(0, Bytes.Length - CheckLength - (Content?.Mac?.Length ?? 0));
}

/// <summary>Bits of the CTRL byte.</summary>
internal static class FrameControl
{
    public const byte SequenceMask = 0x03;
    public const byte Crc = 0x04;
    public const byte SecurityBlock = 0x08;
}
