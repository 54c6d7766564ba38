namespace Coworking.Edge.Osdp.Framing;

/// <summary>
/// The 8-bit check character OSDP uses when CTRL bit 2 is clear: the two's complement of the sum of every
/// byte from SOM to the end of the data, so that all bytes including the checksum add up to zero.
/// </summary>
public static class OsdpChecksum
{
    public static byte Compute(ReadOnlySpan<byte> bytes)
    {
        var sum = 0;
        foreach (var b in bytes)
        {
            sum += b;
        }

        return (byte)(-sum & 0xFF);
    }
}
