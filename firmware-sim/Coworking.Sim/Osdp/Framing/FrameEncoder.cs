namespace Coworking.Sim.Osdp.Framing;

/// <summary>Computes the full 16-byte MAC over a frame from SOM to the end of its data; the frame carries the first 4 bytes.</summary>
internal delegate byte[] MacCalculator(ReadOnlySpan<byte> macInput);

internal static class FrameEncoder
{
    public const int MacLength = 4;

    /// <summary>
    /// Builds a frame. LEN counts everything from SOM through the check (and the MAC), not the mark byte;
    /// the MAC is computed after LEN is set, as it covers the header.
    /// </summary>
    public static byte[] Encode(
        byte addressByte,
        byte sequence,
        bool useCrc,
        bool withMark,
        ReadOnlySpan<byte> securityBlock,
        byte code,
        ReadOnlySpan<byte> data,
        MacCalculator? mac = null)
    {
        var macLength = mac is null ? 0 : MacLength;
        var checkLength = useCrc ? 2 : 1;
        var length = 5 + securityBlock.Length + 1 + data.Length + macLength + checkLength;
        var frame = new byte[(withMark ? 1 : 0) + length];
        if (withMark)
        {
            frame[0] = FrameDecoder.Mark;
        }

        var f = frame.AsSpan(withMark ? 1 : 0);
        f[0] = FrameDecoder.StartOfMessage;
        f[1] = addressByte;
        f[2] = (byte)length;
        f[3] = (byte)(length >> 8);
        f[4] = (byte)((sequence & FrameControl.SequenceMask)
            | (useCrc ? FrameControl.Crc : 0)
            | (securityBlock.IsEmpty ? 0 : FrameControl.SecurityBlock));
        securityBlock.CopyTo(f[5..]);
        var pos = 5 + securityBlock.Length;
        f[pos++] = code;
        data.CopyTo(f[pos..]);
        pos += data.Length;
        if (mac is not null)
        {
            mac(f[..pos]).AsSpan(0, MacLength).CopyTo(f[pos..]);
            pos += MacLength;
        }

        if (useCrc)
        {
            var crc = Crc16.Compute(f[..pos]);
            f[pos] = (byte)crc;
            f[pos + 1] = (byte)(crc >> 8);
        }
        else
        {
            f[pos] = Checksum.Compute(f[..pos]);
        }

        return frame;
    }
}
