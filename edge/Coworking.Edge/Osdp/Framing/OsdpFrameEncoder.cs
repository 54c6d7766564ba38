namespace Coworking.Edge.Osdp.Framing;

/// <summary>Address, direction, sequence number and check mode of a frame to encode.</summary>
public readonly record struct OsdpFrameHeader(byte Address, bool IsReply, byte Sequence, bool UseCrc);

/// <summary>Writes the MAC over <paramref name="authenticated"/> (SOM to end of data) into <paramref name="mac"/> (4 bytes).</summary>
public delegate void MacWriter(ReadOnlySpan<byte> authenticated, Span<byte> mac);

/// <summary>
/// Builds frames: SOM, address (bit 7 on replies), LEN (whole frame, little endian), CTRL (SQN bits 0-1,
/// CRC bit 2, SCB bit 3), security block, code, data, MAC when the block asks for one, CRC-16 or checksum.
/// The same layout serves commands (CP to PD) and replies (PD to CP).
/// </summary>
public static class OsdpFrameEncoder
{
    public const byte StartOfMessage = 0x53;
    public const byte ReplyBit = 0x80;
    public const byte BroadcastAddress = 0x7F;
    public const int HeaderLength = 5;
    public const int MacLength = 4;
    internal const byte ControlSequenceMask = 0x03;
    internal const byte ControlCrc = 0x04;
    internal const byte ControlSecurityBlock = 0x08;

    public static byte[] Encode(OsdpFrameHeader header, byte code, ReadOnlySpan<byte> data, SecurityBlock? securityBlock = null, MacWriter? mac = null)
    {
        if (header.Address > BroadcastAddress)
        {
            throw new ArgumentOutOfRangeException(nameof(header), header.Address, "OSDP addresses are 0x00-0x7F.");
        }

        if (header.Sequence > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(header), header.Sequence, "OSDP sequence numbers are 0-3.");
        }

        var carriesMac = securityBlock?.CarriesMac ?? false;
        if (carriesMac && mac is null)
        {
            throw new ArgumentException("This security block type carries a MAC; a MAC writer is required.", nameof(mac));
        }

        var checkLength = header.UseCrc ? 2 : 1;
        var length = HeaderLength + (securityBlock?.Length ?? 0) + 1 + data.Length + (carriesMac ? MacLength : 0) + checkLength;
        if (length > ushort.MaxValue)
        {
            throw new ArgumentException("The frame would be longer than 65535 bytes.", nameof(data));
        }

        var frame = new byte[length];
        frame[0] = StartOfMessage;
        frame[1] = (byte)(header.Address | (header.IsReply ? ReplyBit : 0));
        frame[2] = (byte)length;
        frame[3] = (byte)(length >> 8);
        frame[4] = (byte)(header.Sequence | (header.UseCrc ? ControlCrc : 0) | (securityBlock is null ? 0 : ControlSecurityBlock));
        var position = HeaderLength;
        if (securityBlock is not null)
        {
            frame[position++] = (byte)securityBlock.Length;
            frame[position++] = securityBlock.Type;
            securityBlock.Data.Span.CopyTo(frame.AsSpan(position));
            position += securityBlock.Data.Length;
        }

        frame[position++] = code;
        data.CopyTo(frame.AsSpan(position));
        position += data.Length;
        if (carriesMac)
        {
            mac!(frame.AsSpan(0, position), frame.AsSpan(position, MacLength));
            position += MacLength;
        }

        if (header.UseCrc)
        {
            var crc = OsdpCrc16.Compute(frame.AsSpan(0, position));
            frame[position] = (byte)crc;
            frame[position + 1] = (byte)(crc >> 8);
        }
        else
        {
            frame[position] = OsdpChecksum.Compute(frame.AsSpan(0, position));
        }

        return frame;
    }
}
