using System.Security.Cryptography;
using System.Text;

namespace Coworking.Hub.Auth;

/// <summary>
/// An API key as the client holds it: <c>cwk_&lt;prefix&gt;_&lt;secret&gt;</c>. The prefix finds the row; the
/// secret (32 random bytes, hex) is stored only as its SHA-256, compared in constant time.
/// </summary>
internal sealed record ApiKeySecret(string Prefix, string Secret)
{
    private const string Scheme = "cwk_";
    private const int PrefixLength = 12;
    private const int SecretLength = 64;

    public string Token => $"{Scheme}{Prefix}_{Secret}";

    public static ApiKeySecret Create() => new(
        Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(PrefixLength / 2)),
        Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(SecretLength / 2)));

    public static bool TryParse(string? token, out ApiKeySecret key)
    {
        key = new ApiKeySecret(string.Empty, string.Empty);
        if (token is null
            || token.Length != Scheme.Length + PrefixLength + 1 + SecretLength
            || !token.StartsWith(Scheme, StringComparison.Ordinal)
            || token[Scheme.Length + PrefixLength] != '_')
        {
            return false;
        }

        key = new ApiKeySecret(token.Substring(Scheme.Length, PrefixLength), token[(Scheme.Length + PrefixLength + 1)..]);
        return true;
    }

    public byte[] Hash() => SHA256.HashData(Encoding.ASCII.GetBytes(Secret));

    public static bool Matches(byte[] presentedHash, byte[] storedHash) => CryptographicOperations.FixedTimeEquals(presentedHash, storedHash);
}
