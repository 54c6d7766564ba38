namespace Coworking.Edge.Osdp.Replies;

/// <summary>osdp_CCRYPT: the PD's client UID (8), its random number RND.B (8) and the client cryptogram (16).</summary>
public sealed record ClientCryptogramReply(ReadOnlyMemory<byte> ClientUid, ReadOnlyMemory<byte> PdRandom, ReadOnlyMemory<byte> Cryptogram) : OsdpReply
{
    private const int DataLength = 32;

    public override byte Code => ReplyCode.ClientCryptogram;

    public override byte[] EncodeData() => [.. ClientUid.Span, .. PdRandom.Span, .. Cryptogram.Span];

    internal static ClientCryptogramReply? Decode(ReadOnlySpan<byte> data) => data.Length == DataLength
        ? new ClientCryptogramReply(data[..8].ToArray(), data[8..16].ToArray(), data[16..].ToArray())
        : null;
}

/// <summary>osdp_RMAC_I: the initial reply MAC (16 bytes) that starts MAC chaining.</summary>
public sealed record InitialRmacReply(ReadOnlyMemory<byte> Rmac) : OsdpReply
{
    public const int RmacLength = 16;

    public override byte Code => ReplyCode.InitialRmac;

    public override byte[] EncodeData() => Rmac.ToArray();
}
