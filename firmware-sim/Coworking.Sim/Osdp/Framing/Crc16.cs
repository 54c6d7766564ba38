namespace Coworking.Sim.Osdp.Framing;

/// <summary>
/// The CRC-16 OSDP uses: CCITT polynomial 0x1021, initial value 0x1D0F, no reflection, no final XOR
/// (the "AUG-CCITT" variant). It covers the frame from SOM up to the CRC, and goes on the wire LSB first.
/// </summary>
internal static class Crc16
{
    private const ushort Polynomial = 0x1021;
    private const ushort Initial = 0x1D0F;

    private static readonly ushort[] Table = BuildTable();

    public static ushort Compute(ReadOnlySpan<byte> data)
    {
        var crc = Initial;
        foreach (var b in data)
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
            var value = (ushort)(i << 8);
            for (var bit = 0; bit < 8; bit++)
            {
                value = (value & 0x8000) != 0 ? (ushort)((value << 1) ^ Polynomial) : (ushort)(value << 1);
            }

            table[i] = value;
        }

        return table;
    }
}
