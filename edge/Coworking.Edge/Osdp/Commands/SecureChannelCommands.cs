namespace Coworking.Edge.Osdp.Commands;

/// <summary>osdp_KEYSET: key type (1 = secure channel base key), length, key. Sent only inside the secure channel.</summary>
public sealed record KeySetCommand(byte KeyType, ReadOnlyMemory<byte> Key) : OsdpCommand
{
    public const byte SecureChannelBaseKey = 0x01;

    public override byte Code => CommandCode.KeySet;

    public override byte[] EncodeData() => [KeyType, (byte)Key.Length, .. Key.Span];

    /// <summary>The record without the key, so a log line can never carry it.</summary>
    public override string ToString() => $"KeySetCommand {{ KeyType = {KeyType}, KeyLength = {Key.Length} }}";

    internal static KeySetCommand? Decode(ReadOnlySpan<byte> data) =>
        data.Length >= 2 && data[1] == data.Length - 2 ? new KeySetCommand(data[0], data[2..].ToArray()) : null;
}

/// <summary>osdp_CHLNG: the CP's 8-byte random number (RND.A), opening the secure channel handshake.</summary>
public sealed record ChallengeCommand(ReadOnlyMemory<byte> CpRandom) : OsdpCommand
{
    public const int RandomLength = 8;

    public override byte Code => CommandCode.Challenge;

    public override byte[] EncodeData() => CpRandom.ToArray();
}

/// <summary>osdp_SCRYPT: the 16-byte server cryptogram that proves the CP holds the key.</summary>
public sealed record ServerCryptogramCommand(ReadOnlyMemory<byte> Cryptogram) : OsdpCommand
{
    public const int CryptogramLength = 16;

    public override byte Code => CommandCode.ServerCryptogram;

    public override byte[] EncodeData() => Cryptogram.ToArray();
}
