namespace Coworking.Edge.Osdp.Commands;

/// <summary>Tone codes of osdp_BUZ.</summary>
public enum BuzzerTone : byte
{
    None = 0x00,
    Off = 0x01,
    Default = 0x02,
}

/// <summary>osdp_BUZ: reader, tone, on and off time (100 ms units), repeat count (0 = until told otherwise).</summary>
public sealed record BuzzerCommand(byte Reader, BuzzerTone Tone, byte OnTime100Ms, byte OffTime100Ms, byte Count) : OsdpCommand
{
    public override byte Code => CommandCode.Buzzer;

    public override byte[] EncodeData() => [Reader, (byte)Tone, OnTime100Ms, OffTime100Ms, Count];

    internal static BuzzerCommand? Decode(ReadOnlySpan<byte> data) =>
        data.Length == 5 ? new BuzzerCommand(data[0], (BuzzerTone)data[1], data[2], data[3], data[4]) : null;
}
