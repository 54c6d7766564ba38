using Coworking.Edge.Osdp.Framing;
using Coworking.Edge.Osdp.Replies;
using Coworking.Edge.Osdp.SecureChannel;
using Coworking.Edge.Tests.Osdp.Support;

namespace Coworking.Edge.Tests.Osdp;

public sealed class SecureChannelTests
{
    // SIA OSDP 2.2 annex E secure channel example: SCBK-D, CP random B0..B7, PD random A0..A7.
    private static readonly byte[] CpRandom = Convert.FromHexString("B0B1B2B3B4B5B6B7");
    private static readonly byte[] PdRandom = Convert.FromHexString("A0A1A2A3A4A5A6A7");

    // NIST SP 800-38A F.2.1 (AES-128-CBC), used here as MAC and data-block vectors.
    private static readonly byte[] NistKey = Convert.FromHexString("2b7e151628aed2a6abf7158809cf4f3c");
    private static readonly byte[] NistIv = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
    private static readonly byte[] NistPlaintext = Convert.FromHexString(
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");

    [Fact]
    public void Session_keys_cryptograms_and_initial_rmac_match_the_spec_example()
    {
        var keys = OsdpCrypto.DeriveSessionKeys(OsdpCrypto.DefaultScbk, CpRandom);

        Assert.Equal(Convert.FromHexString("BF8DC2A8329ACB8C67C6D0CD9A451682"), keys.Enc.ToArray());
        Assert.Equal(Convert.FromHexString("5E86C676603BDEE2D8BEAFE178637332"), keys.Mac1.ToArray());
        Assert.Equal(Convert.FromHexString("6FDA86E857777E81132035758239172E"), keys.Mac2.ToArray());
        Assert.Equal(Convert.FromHexString("FDE5D2F428EC16312471EA3C02BD7796"), OsdpCrypto.ClientCryptogram(keys, CpRandom, PdRandom));
        var server = OsdpCrypto.ServerCryptogram(keys, CpRandom, PdRandom);
        Assert.Equal(Convert.FromHexString("26D3356E07762D262801FC8E6665A891"), server);
        Assert.Equal(Convert.FromHexString("B2A30057EB98BA2229EC1F875662B524"), OsdpCrypto.InitialRmac(keys, server));
    }

    [Fact]
    public void Mac_is_cbc_mac_with_smac1_then_smac2()
    {
        var keys = new SessionKeys(NistKey, NistKey, NistKey);

        Assert.Equal(Convert.FromHexString("7649abac8119b246cee98e9b12e9197d"), OsdpCrypto.ComputeMac(keys, NistIv, NistPlaintext.AsSpan(0, 16)));
        Assert.Equal(Convert.FromHexString("3ff1caa1681fac09120eca307586e1a7"), OsdpCrypto.ComputeMac(keys, NistIv, NistPlaintext));
        Assert.Equal(Convert.FromHexString("c5311f3d23d086ea86f5ee7f85247b40"), OsdpCrypto.ComputeMac(keys, NistIv, Convert.FromHexString("000102030405060708090a0b0c0d0e")));
    }

    [Fact]
    public void Mac_uses_smac2_only_for_the_last_block()
    {
        var mac1 = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        var mac2 = Enumerable.Range(16, 16).Select(i => (byte)i).ToArray();
        var iv = new byte[16];
        var message = Enumerable.Range(0, 40).Select(i => (byte)(i * 7)).ToArray();
        var ours = OsdpCrypto.ComputeMac(new SessionKeys(new byte[16], mac1, mac2), iv, message);

        var oracle = PdCryptoWith(mac1, mac2).Mac(iv, message);
        Assert.Equal(oracle, ours);
    }

    [Theory]
    [InlineData("000102030405060708090a0b0c0d0e", "c5311f3d23d086ea86f5ee7f85247b40")]
    [InlineData("000102030405060708090a0b0c0d0e0f", "7df76b0c1ab899b33e42f047b91b546fe2fe5bd6c1dfcdd19124f03e1a134d3b")]
    [InlineData("", "4c08220c79d9191022dc6674874ceaf8")]
    public void Data_blocks_are_aes_cbc_with_the_complemented_mac_as_iv_and_always_padded(string plaintextHex, string ciphertextHex)
    {
        var keys = new SessionKeys(NistKey, new byte[16], new byte[16]);
        var lastMac = NistIv.Select(b => (byte)~b).ToArray();
        var plaintext = Convert.FromHexString(plaintextHex);

        var ciphertext = OsdpCrypto.EncryptData(keys, lastMac, plaintext);

        Assert.Equal(Convert.FromHexString(ciphertextHex), ciphertext);
        Assert.True(OsdpCrypto.TryDecryptData(keys, lastMac, ciphertext, out var decrypted));
        Assert.Equal(plaintext, decrypted);
    }

    [Fact]
    public void Data_block_with_bad_length_or_padding_is_refused()
    {
        var keys = new SessionKeys(NistKey, new byte[16], new byte[16]);
        var lastMac = new byte[16];

        Assert.False(OsdpCrypto.TryDecryptData(keys, lastMac, new byte[15], out _));
        Assert.False(OsdpCrypto.TryDecryptData(keys, lastMac, Convert.FromHexString("7649abac8119b246cee98e9b12e9197d"), out _));
    }

    [Fact]
    public void Handshake_refuses_a_pd_that_holds_another_key()
    {
        var handshake = new SecureChannelHandshake(Enumerable.Repeat((byte)0x42, 16).ToArray(), isDefaultKey: false);
        var challenge = handshake.Challenge();
        var pdKeys = OsdpCrypto.DeriveSessionKeys(OsdpCrypto.DefaultScbk, challenge.CpRandom.Span);
        var wrong = new ClientCryptogramReply(new byte[8], PdRandom, OsdpCrypto.ClientCryptogram(pdKeys, challenge.CpRandom.Span, PdRandom));

        Assert.False(handshake.TryAcceptClientCryptogram(wrong));
        Assert.False(handshake.TryComplete(new InitialRmacReply(new byte[16]), out _));
    }

    [Fact]
    public void Sealed_session_round_trip_with_an_independent_pd_implementation()
    {
        var scbk = Enumerable.Range(0x50, 16).Select(i => (byte)i).ToArray();
        var handshake = new SecureChannelHandshake(scbk, isDefaultKey: false);
        var cpRandom = handshake.Challenge().CpRandom.ToArray();
        var pd = PdCrypto.FromBaseKey(scbk, cpRandom);
        Assert.True(handshake.TryAcceptClientCryptogram(new ClientCryptogramReply(new byte[8], PdRandom, PdCrypto.Ecb(pd.Enc, [.. cpRandom, .. PdRandom]))));
        var server = handshake.ServerCryptogram().Cryptogram.ToArray();
        Assert.Equal(PdCrypto.Ecb(pd.Enc, [.. PdRandom, .. cpRandom]), server);
        var rmac = PdCrypto.Ecb(pd.Mac2, PdCrypto.Ecb(pd.Mac1, server));
        Assert.True(handshake.TryComplete(new InitialRmacReply(rmac), out var session));

        var command = session!.SealCommand(new OsdpFrameHeader(1, false, 1, true), 0x69, [1, 2, 3, 4]);
        var parsed = Parse(command);
        var commandMac = pd.Mac(rmac, parsed.Authenticated.Span);
        Assert.Equal(commandMac.AsSpan(0, 4).ToArray(), parsed.Mac.ToArray());
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, pd.Decrypt(rmac, parsed.Data.Span));

        var replyData = new byte[] { 9, 8, 7 };
        var replyMac = Array.Empty<byte>();
        var reply = OsdpFrameEncoder.Encode(
            new OsdpFrameHeader(1, true, 1, true),
            0x49,
            pd.Encrypt(commandMac, replyData),
            new SecurityBlock(SecurityBlockType.Scs18, ReadOnlyMemory<byte>.Empty),
            (authenticated, mac) =>
            {
                replyMac = pd.Mac(commandMac, authenticated);
                replyMac.AsSpan(0, 4).CopyTo(mac);
            });
        Assert.Null(session.TryOpenReply(Parse(reply), out var opened));
        Assert.Equal(replyData, opened.ToArray());

        var tampered = (byte[])reply.Clone();
        tampered[^3] ^= 0x01;
        var crc = OsdpCrc16.Compute(tampered.AsSpan(0, tampered.Length - 2));
        tampered[^2] = (byte)crc;
        tampered[^1] = (byte)(crc >> 8);
        Assert.Equal(OsdpRejectReason.BadMac, session.TryOpenReply(Parse(tampered), out _));
    }

    private static OsdpFrame Parse(byte[] bytes)
    {
        var parser = new OsdpFrameParser(new OsdpRejectCounters());
        parser.Feed(bytes);
        Assert.True(parser.TryTake(out var frame));
        return frame;
    }

    private static PdCrypto PdCryptoWith(byte[] mac1, byte[] mac2)
    {
        var crypto = PdCrypto.FromBaseKey(new byte[16], new byte[8]);
        mac1.CopyTo(crypto.Mac1, 0);
        mac2.CopyTo(crypto.Mac2, 0);
        return crypto;
    }
}
