using System.Text;

namespace Coworking.Edge.Osdp.Replies;

/// <summary>
/// osdp_RAW: reader, format (0 = raw bits, 1 = Wiegand P/data/P), bit count (little endian), and the bits packed
/// first bit in the most significant bit of the first byte. ToString leaves the bits out: they are a credential.
/// </summary>
public sealed record RawCardReply(byte Reader, byte Format, int BitCount, ReadOnlyMemory<byte> Bits) : OsdpReply
{
    public override byte Code => ReplyCode.RawCard;

    public override byte[] EncodeData() => [Reader, Format, (byte)BitCount, (byte)(BitCount >> 8), .. Bits.Span];

    public override string ToString() => $"RawCardReply {{ Reader = {Reader}, Format = {Format}, BitCount = {BitCount} }}";

    internal static RawCardReply? Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4)
        {
            return null;
        }

        var bitCount = data[2] | (data[3] << 8);
        return data.Length - 4 == (bitCount + 7) / 8 ? new RawCardReply(data[0], data[1], bitCount, data[4..].ToArray()) : null;
    }
}

/// <summary>osdp_FMT: reader, read direction, and the card number as ASCII characters. ToString leaves them out.</summary>
public sealed record FormattedCardReply(byte Reader, byte Direction, string Characters) : OsdpReply
{
    public override byte Code => ReplyCode.FormattedCard;

    public override byte[] EncodeData() => [Reader, Direction, (byte)Characters.Length, .. Encoding.ASCII.GetBytes(Characters)];

    public override string ToString() => $"FormattedCardReply {{ Reader = {Reader}, Length = {Characters.Length} }}";

    internal static FormattedCardReply? Decode(ReadOnlySpan<byte> data) =>
        data.Length >= 3 && data[2] == data.Length - 3 && Ascii.IsValid(data[3..])
            ? new FormattedCardReply(data[0], data[1], Encoding.ASCII.GetString(data[3..]))
            : null;
}

/// <summary>
/// osdp_KEYPAD: reader and key codes. Digits are '0'-'9'; the spec sends '*' (clear) as 0x7F and '#' (enter)
/// as 0x0D. ToString leaves the keys out: they may be a PIN.
/// </summary>
public sealed record KeypadReply(byte Reader, ReadOnlyMemory<byte> Keys) : OsdpReply
{
    public const byte ClearKey = 0x7F;
    public const byte EnterKey = 0x0D;

    public override byte Code => ReplyCode.Keypad;

    public override byte[] EncodeData() => [Reader, (byte)Keys.Length, .. Keys.Span];

    public override string ToString() => $"KeypadReply {{ Reader = {Reader}, Keys = {Keys.Length} }}";

    internal static KeypadReply? Decode(ReadOnlySpan<byte> data) =>
        data.Length >= 2 && data[1] == data.Length - 2 ? new KeypadReply(data[0], data[2..].ToArray()) : null;
}
