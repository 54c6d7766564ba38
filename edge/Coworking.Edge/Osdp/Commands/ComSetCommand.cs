using System.Buffers.Binary;

namespace Coworking.Edge.Osdp.Commands;

/// <summary>osdp_COMSET: move the PD to a new address and baud rate (little endian, 4 bytes).</summary>
public sealed record ComSetCommand(byte Address, int BaudRate) : OsdpCommand
{
    public override byte Code => CommandCode.ComSet;

    public override byte[] EncodeData()
    {
        var data = new byte[5];
        data[0] = Address;
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(1), BaudRate);
        return data;
    }

    internal static ComSetCommand? Decode(ReadOnlySpan<byte> data) =>
        data.Length == 5 ? new ComSetCommand(data[0], BinaryPrimitives.ReadInt32LittleEndian(data[1..])) : null;
}
