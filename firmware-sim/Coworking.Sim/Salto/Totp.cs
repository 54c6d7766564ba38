using System.Security.Cryptography;

namespace Coworking.Sim.Salto;

/// <summary>RFC 6238 one-time codes: HMAC-SHA1 of the 30-second step, 6 digits.</summary>
internal static class Totp
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static bool IsBase32(string text) => text.Length >= 16 && text.All(c => Alphabet.Contains(c, StringComparison.Ordinal));

    public static string Code(string base32Secret, DateTimeOffset at)
    {
        var key = Decode(base32Secret);
        var step = BitConverter.GetBytes(at.ToUnixTimeSeconds() / 30);
        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(step);
        }

        var hash = HMACSHA1.HashData(key, step);
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The code of this step or the one before (a code typed just as the step turned).</summary>
    public static bool Matches(string base32Secret, string? code, DateTimeOffset now) =>
        code is { Length: 6 } && (code == Code(base32Secret, now) || code == Code(base32Secret, now.AddSeconds(-30)));

    private static byte[] Decode(string base32)
    {
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in base32)
        {
            buffer = (buffer << 5) | Alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. bytes];
    }
}
