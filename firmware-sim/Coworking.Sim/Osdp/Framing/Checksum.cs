namespace Coworking.Sim.Osdp.Framing;

/// <summary>The 8-bit check OSDP allows instead of the CRC: the two's complement of the byte sum, so all bytes sum to zero.</summary>
internal static class Checksum
{
    public static byte Compute(ReadOnlySpan<byte> data)
    {
        var sum = 0;
        foreach (var b in data)
        {
            sum += b;
        }

        return (byte)(-sum & 0xFF);
    }
}
