using System.Globalization;
using System.Security.Cryptography;

namespace Coworking.Edge.Osdp.SecureChannel;

/// <summary>The three AES-128 session keys of one secure channel session. ToString never shows them.</summary>
public sealed record SessionKeys(ReadOnlyMemory<byte> Enc, ReadOnlyMemory<byte> Mac1, ReadOnlyMemory<byte> Mac2)
{
    public override string ToString() => "SessionKeys { redacted }";
}

/// <summary>
/// The secure channel primitives of SIA OSDP 2.2 annex D, on System.Security.Cryptography AES-128:
/// session keys from the SCBK and the CP random, the client and server cryptograms, the initial R-MAC,
/// the message MAC (CBC-MAC: S-MAC1 over all blocks but the last, S-MAC2 over the last, IV = the other
/// side's last MAC, 0x80-then-zeros padding when the message is not whole blocks) and data encryption
/// (AES-CBC with S-ENC, IV = the complement of the other side's last MAC, always 0x80-padded).
/// </summary>
public static class OsdpCrypto
{
    public const int BlockLength = 16;
    public const int KeyLength = 16;
    public const int RandomLength = 8;
    private const byte EndOfMessage = 0x80;

    /// <summary>SCBK-D, the well-known key a PD in install mode accepts.</summary>
    public static ReadOnlySpan<byte> DefaultScbk =>
        [0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F];

    public static SessionKeys DeriveSessionKeys(ReadOnlySpan<byte> scbk, ReadOnlySpan<byte> cpRandom)
    {
        RequireLength(scbk, KeyLength, nameof(scbk));
        RequireLength(cpRandom, RandomLength, nameof(cpRandom));
        return new SessionKeys(
            EncryptBlock(scbk, KeyDerivationBlock(0x82, cpRandom)),
            EncryptBlock(scbk, KeyDerivationBlock(0x01, cpRandom)),
            EncryptBlock(scbk, KeyDerivationBlock(0x02, cpRandom)));
    }

    /// <summary>Client cryptogram, made by the PD: AES(S-ENC, RND.A || RND.B).</summary>
    public static byte[] ClientCryptogram(SessionKeys keys, ReadOnlySpan<byte> cpRandom, ReadOnlySpan<byte> pdRandom) =>
        EncryptBlock(keys.Enc.Span, [.. cpRandom, .. pdRandom]);

    /// <summary>Server cryptogram, made by the CP: AES(S-ENC, RND.B || RND.A).</summary>
    public static byte[] ServerCryptogram(SessionKeys keys, ReadOnlySpan<byte> cpRandom, ReadOnlySpan<byte> pdRandom) =>
        EncryptBlock(keys.Enc.Span, [.. pdRandom, .. cpRandom]);

    /// <summary>Initial R-MAC: AES(S-MAC2, AES(S-MAC1, server cryptogram)).</summary>
    public static byte[] InitialRmac(SessionKeys keys, ReadOnlySpan<byte> serverCryptogram) =>
        EncryptBlock(keys.Mac2.Span, EncryptBlock(keys.Mac1.Span, serverCryptogram));

    /// <summary>The full 16-byte MAC of <paramref name="message"/>; a frame carries its first four bytes.</summary>
    public static byte[] ComputeMac(SessionKeys keys, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> message)
    {
        RequireLength(iv, BlockLength, nameof(iv));
        var padded = message.Length % BlockLength == 0 && !message.IsEmpty ? message.ToArray() : Pad(message);
        var chain = iv.ToArray();
        if (padded.Length > BlockLength)
        {
            using var mac1 = CreateAes(keys.Mac1.Span);
            var encrypted = mac1.EncryptCbc(padded.AsSpan(0, padded.Length - BlockLength), chain, PaddingMode.None);
            chain = encrypted[^BlockLength..];
        }

        using var mac2 = CreateAes(keys.Mac2.Span);
        return mac2.EncryptCbc(padded.AsSpan(padded.Length - BlockLength), chain, PaddingMode.None);
    }

    /// <summary>Encrypts a data block with S-ENC; <paramref name="otherSideMac"/> is the last MAC of the other direction.</summary>
    public static byte[] EncryptData(SessionKeys keys, ReadOnlySpan<byte> otherSideMac, ReadOnlySpan<byte> plaintext)
    {
        using var aes = CreateAes(keys.Enc.Span);
        return aes.EncryptCbc(Pad(plaintext), Complement(otherSideMac), PaddingMode.None);
    }

    /// <summary>Decrypts a data block and strips its padding; false when the length or padding is wrong.</summary>
    public static bool TryDecryptData(SessionKeys keys, ReadOnlySpan<byte> otherSideMac, ReadOnlySpan<byte> ciphertext, out byte[] plaintext)
    {
        plaintext = [];
        if (ciphertext.IsEmpty || ciphertext.Length % BlockLength != 0)
        {
            return false;
        }

        using var aes = CreateAes(keys.Enc.Span);
        var padded = aes.DecryptCbc(ciphertext, Complement(otherSideMac), PaddingMode.None);
        var marker = padded.AsSpan().LastIndexOfAnyExcept((byte)0);
        if (marker < 0 || padded[marker] != EndOfMessage || padded.Length - marker > BlockLength)
        {
            return false;
        }

        plaintext = padded[..marker];
        return true;
    }

    /// <summary>Parses a 32-hex-digit key; false for anything else.</summary>
    public static bool TryParseKey(string? hex, out byte[] key)
    {
        key = [];
        if (hex is null || hex.Length != KeyLength * 2 || !hex.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        key = Convert.FromHexString(hex);
        return true;
    }

    public static string FormatKey(ReadOnlySpan<byte> key) => Convert.ToHexString(key).ToLower(CultureInfo.InvariantCulture);

    internal static byte[] EncryptBlock(ReadOnlySpan<byte> key, ReadOnlySpan<byte> block)
    {
        using var aes = CreateAes(key);
        return aes.EncryptEcb(block, PaddingMode.None);
    }

    private static byte[] KeyDerivationBlock(byte purpose, ReadOnlySpan<byte> cpRandom)
    {
        var block = new byte[BlockLength];
        block[0] = 0x01;
        block[1] = purpose;
        cpRandom[..6].CopyTo(block.AsSpan(2));
        return block;
    }

    private static byte[] Pad(ReadOnlySpan<byte> data)
    {
        var padded = new byte[((data.Length / BlockLength) + 1) * BlockLength];
        data.CopyTo(padded);
        padded[data.Length] = EndOfMessage;
        return padded;
    }

    private static byte[] Complement(ReadOnlySpan<byte> mac)
    {
        RequireLength(mac, BlockLength, nameof(mac));
        var iv = new byte[BlockLength];
        for (var i = 0; i < iv.Length; i++)
        {
            iv[i] = (byte)~mac[i];
        }

        return iv;
    }

    private static Aes CreateAes(ReadOnlySpan<byte> key)
    {
        RequireLength(key, KeyLength, nameof(key));
        var aes = Aes.Create();
        aes.Key = key.ToArray();
        return aes;
    }

    private static void RequireLength(ReadOnlySpan<byte> value, int length, string name)
    {
        if (value.Length != length)
        {
            throw new ArgumentException($"Expected {length} bytes, got {value.Length}.", name);
        }
    }
}
