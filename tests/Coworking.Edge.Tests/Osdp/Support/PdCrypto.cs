using System.Security.Cryptography;

namespace Coworking.Edge.Tests.Osdp.Support;

/// <summary>
/// The PD's side of the secure channel, written separately from the edge's code straight from SIA OSDP 2.2
/// annex D so that the tests check the edge against the spec rather than against itself.
/// </summary>
internal sealed class PdCrypto
{
    public static readonly byte[] DefaultKey = [.. Enumerable.Range(0x30, 16).Select(b => (byte)b)];

    private PdCrypto(byte[] enc, byte[] mac1, byte[] mac2)
    {
        Enc = enc;
        Mac1 = mac1;
        Mac2 = mac2;
    }

    public byte[] Enc { get; }

    public byte[] Mac1 { get; }

    public byte[] Mac2 { get; }

    public static PdCrypto FromBaseKey(byte[] scbk, byte[] cpRandom)
    {
        byte[] Derive(byte second)
        {
            var block = new byte[16];
            block[0] = 0x01;
            block[1] = second;
            Array.Copy(cpRandom, 0, block, 2, 6);
            return Ecb(scbk, block);
        }

        return new PdCrypto(Derive(0x82), Derive(0x01), Derive(0x02));
    }

    public static byte[] Ecb(byte[] key, byte[] block)
    {
        using var aes = Aes.Create();
        aes.Key = key;
        return aes.EncryptEcb(block, PaddingMode.None);
    }

    /// <summary>CBC-MAC: all full blocks but the last with S-MAC1, the last with S-MAC2, 0x80 padding if needed.</summary>
    public byte[] Mac(byte[] iv, ReadOnlySpan<byte> message)
    {
        var blocks = message.Length % 16 == 0 ? message.ToArray() : PadWithMarker(message);
        var chain = iv;
        for (var at = 0; at < blocks.Length; at += 16)
        {
            var block = new byte[16];
            for (var i = 0; i < 16; i++)
            {
                block[i] = (byte)(blocks[at + i] ^ chain[i]);
            }

            chain = Ecb(at + 16 == blocks.Length ? Mac2 : Mac1, block);
        }

        return chain;
    }

    public byte[] Encrypt(byte[] otherSideMac, ReadOnlySpan<byte> plaintext)
    {
        using var aes = Aes.Create();
        aes.Key = Enc;
        return aes.EncryptCbc(PadWithMarker(plaintext), Complement(otherSideMac), PaddingMode.None);
    }

    public byte[]? Decrypt(byte[] otherSideMac, ReadOnlySpan<byte> ciphertext)
    {
        if (ciphertext.Length == 0 || ciphertext.Length % 16 != 0)
        {
            return null;
        }

        using var aes = Aes.Create();
        aes.Key = Enc;
        var padded = aes.DecryptCbc(ciphertext, Complement(otherSideMac), PaddingMode.None);
        var end = padded.Length - 1;
        while (end >= 0 && padded[end] == 0)
        {
            end--;
        }

        return end >= 0 && padded[end] == 0x80 ? padded[..end] : null;
    }

    private static byte[] PadWithMarker(ReadOnlySpan<byte> data)
    {
        var padded = new byte[(data.Length / 16 + 1) * 16];
        data.CopyTo(padded);
        padded[data.Length] = 0x80;
        return padded;
    }

    private static byte[] Complement(byte[] mac) => [.. mac.Select(b => (byte)~b)];
}
