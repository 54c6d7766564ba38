using System.Security.Cryptography;

namespace Coworking.Edge.Bridges.Salto;

/// <summary>The one-time code Salto KS wants with a remote opening: RFC 6238 (HMAC-SHA1, 30-second steps, 6 digits) from the account's base32 seed.</summary>
internal static class SaltoOtp
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static string Code(string base32Secret, DateTimeOffset at)
    {
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in base32Secret.ToUpperInvariant().Where(c => c != '=' && c != ' '))
        {
            var value = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (value < 0)
            {
                throw new FormatException("the Salto KS otp_secret is not base32");
            }

            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        var step = BitConverter.GetBytes(at.ToUnixTimeSeconds() / 30);
        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(step);
        }

        var hash = HMACSHA1.HashData(bytes.ToArray(), step);
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }
}
