using System.Security.Cryptography;

namespace Coworking.Sim.Osdp.SecureChannel;

/// <summary>
/// The secure channel arithmetic of OSDP 2.2 (annex D), all AES-128:
/// S-ENC / S-MAC1 / S-MAC2 = AES-ECB(SCBK, [0x01, 0x82|0x01|0x02, RND.A[0..5], 0 x 8]);
/// client (PD) cryptogram = AES-ECB(S-ENC, RND.A || RND.B); server (CP) cryptogram = AES-ECB(S-ENC, RND.B || RND.A);
/// initial R-MAC = AES-ECB(S-MAC2, AES-ECB(S-MAC1, server cryptogram)).
/// MAC: AES-CBC over the message padded with 0x80 0x00.. to a 16-byte multiple (no padding when already a
/// multiple), all blocks but the last with S-MAC1, the last with S-MAC2, chained from the IV (the other side's
/// last MAC). Data: AES-CBC with S-ENC, IV = complement of the other side's last MAC, always padded with 0x80 0x00..
/// </summary>
internal static class ScCrypto
{
    public const int BlockSize = 16;
    public const int RandomLength = 8;
    public const byte PaddingMarker = 0x80;

    /// <summary>SCBK-D, the well-known key a PD in install mode accepts.</summary>
    public static ReadOnlySpan<byte> DefaultKey =>
    [
        0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
    ];

    public static SessionKeys DeriveSessionKeys(ReadOnlySpan<byte> scbk, ReadOnlySpan<byte> cpRandom) =>
        new(DeriveKey(scbk, 0x82, cpRandom), DeriveKey(scbk, 0x01, cpRandom), DeriveKey(scbk, 0x02, cpRandom));

    public static byte[] ClientCryptogram(SessionKeys keys, ReadOnlySpan<byte> cpRandom, ReadOnlySpan<byte> pdRandom) =>
        EncryptBlock(keys.Encryption, [.. cpRandom, .. pdRandom]);

    public static byte[] ServerCryptogram(SessionKeys keys, ReadOnlySpan<byte> cpRandom, ReadOnlySpan<byte> pdRandom) =>
        EncryptBlock(keys.Encryption, [.. pdRandom, .. cpRandom]);

    public static byte[] InitialRmac(SessionKeys keys, ReadOnlySpan<byte> serverCryptogram) =>
        EncryptBlock(keys.Mac2, EncryptBlock(keys.Mac1, serverCryptogram));

    public static byte[] Mac(SessionKeys keys, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> message)
    {
        var paddedLength = message.Length % BlockSize == 0 && !message.IsEmpty
            ? message.Length
            : (message.Length / BlockSize + 1) * BlockSize;
        var padded = new byte[paddedLength];
        message.CopyTo(padded);
        if (paddedLength != message.Length)
        {
            padded[message.Length] = PaddingMarker;
        }

        var chain = iv.ToArray();
        if (paddedLength > BlockSize)
        {
            using var mac1 = CreateAes(keys.Mac1);
            var head = mac1.EncryptCbc(padded.AsSpan(0, paddedLength - BlockSize), chain, PaddingMode.None);
            chain = head[^BlockSize..];
        }

        using var mac2 = CreateAes(keys.Mac2);
        return mac2.EncryptCbc(padded.AsSpan(paddedLength - BlockSize), chain, PaddingMode.None);
    }

    public static byte[] EncryptData(SessionKeys keys, ReadOnlySpan<byte> otherSideMac, ReadOnlySpan<byte> data)
    {
        var padded = new byte[(data.Length / BlockSize + 1) * BlockSize];
        data.CopyTo(padded);
        padded[data.Length] = PaddingMarker;
        using var aes = CreateAes(keys.Encryption);
        return aes.EncryptCbc(padded, Complement(otherSideMac), PaddingMode.None);
    }

    /// <summary>Decrypts a data block; null when its length or padding is wrong (a forged or garbled block).</summary>
    public static byte[]? DecryptData(SessionKeys keys, ReadOnlySpan<byte> otherSideMac, ReadOnlySpan<byte> cipher)
    {
        if (cipher.IsEmpty || cipher.Length % BlockSize != 0)
        {
            return null;
        }

        using var aes = CreateAes(keys.Encryption);
        var plain = aes.DecryptCbc(cipher, Complement(otherSideMac), PaddingMode.None);
        var end = plain.Length - 1;
        while (end >= 0 && plain[end] == 0x00)
        {
            end--;
        }

        return end >= 0 && plain[end] == PaddingMarker ? plain[..end] : null;
    }

    public static byte[] EncryptBlock(ReadOnlySpan<byte> key, ReadOnlySpan<byte> block)
    {
        using var aes = CreateAes(key);
        return aes.EncryptEcb(block, PaddingMode.None);
    }

    private static byte[] DeriveKey(ReadOnlySpan<byte> scbk, byte purpose, ReadOnlySpan<byte> cpRandom)
    {
        var input = new byte[BlockSize];
        input[0] = 0x01;
        input[1] = purpose;
        cpRandom[..6].CopyTo(input.AsSpan(2));
        return EncryptBlock(scbk, input);
    }

    private static byte[] Complement(ReadOnlySpan<byte> mac)
    {
        var iv = new byte[BlockSize];
        for (var i = 0; i < BlockSize; i++)
        {
            iv[i] = (byte)~mac[i];
        }

        return iv;
    }

    private static Aes CreateAes(ReadOnlySpan<byte> key)
    {
        var aes = Aes.Create();
        aes.Key = key.ToArray();
        return aes;
    }
}
