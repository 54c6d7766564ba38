namespace Coworking.Edge.Osdp.Framing;

/// <summary>
/// The CRC-16 OSDP puts at the end of a frame when CTRL bit 2 is set: CRC-16/AUG-CCITT (polynomial 0x1021,
/// initial value 0x1D0F, not reflected, no final XOR), sent least significant byte first.
/// </summary>
public static class OsdpCrc16
{
    private const ushort Polynomial = 0x1021;
    private const ushort Initial = 0x1D0F;
    private static readonly ushort[] Table = BuildTable();

    public static ushort Compute(ReadOnlySpan<byte> bytes)
    {
        var crc = Initial;
        foreach (var b in bytes)
        {
            crc = (ushort)((crc << 8) ^ Table[((crc >> 8) ^ b) & 0xFF]);
        }

        return crc;
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (var i = 0; i < table.Length; i++)
        {
            var crc = (ushort)(i << 8);
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ Polynomial) : (ushort)(crc << 1);
            }

            table[i] = crc;
        }

        return table;
    }
}
