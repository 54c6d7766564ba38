using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Coworking.Hub.EdgeSync;

/// <summary>
/// An edge's credential as the edge holds it: <c>cwe_&lt;edge id, 32 hex&gt;_&lt;secret, 64 hex&gt;</c>. The id finds
/// the row; the secret (32 random bytes) is stored only as its SHA-256 and compared in constant time. A
/// fast hash is right for the same reason as for API keys (docs/SECURITY.md): 256 random bits.
/// </summary>
internal sealed record EdgeCredential(Guid EdgeId, string Secret)
{
    private const string Scheme = "cwe_";
    private const int SecretLength = 64;

    public string Token => $"{Scheme}{EdgeId:N}_{Secret}";

    public static EdgeCredential Create(Guid edgeId) => new(edgeId, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(SecretLength / 2)));

    public static bool TryParse(string? token, [NotNullWhen(true)] out EdgeCredential? credential)
    {
        credential = null;
        if (token is null || token.Length != Scheme.Length + 32 + 1 + SecretLength || !token.StartsWith(Scheme, StringComparison.Ordinal)
            || token[Scheme.Length + 32] != '_' || !Guid.TryParseExact(token.AsSpan(Scheme.Length, 32), "N", out var id))
        {
            return false;
        }

        var secret = token[(Scheme.Length + 33)..];
        if (!secret.All(char.IsAsciiHexDigitLower))
        {
            return false;
        }

        credential = new EdgeCredential(id, secret);
        return true;
    }

    public byte[] Hash() => SHA256.HashData(Encoding.ASCII.GetBytes(Secret));

    public bool Matches(byte[] storedHash) => CryptographicOperations.FixedTimeEquals(Hash(), storedHash);
}
