using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Coworking.Proto.V1;

/// <summary>
/// The verifier a <see cref="SensorGatewayUpsert"/> carries: "pbkdf2-sha256$&lt;iterations&gt;$&lt;salt&gt;$&lt;hash&gt;"
/// (base64), made by the hub when it issues a gateway's password and checked by the edge's broker when the gateway
/// connects. The password itself never leaves the hub's answer to the operator.
/// </summary>
public static class GatewayPasswords
{
    public const int Iterations = 100_000;

    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    /// <summary>A new random password: 24 characters of base32, 120 bits, easy to type into a gateway's web page.</summary>
    public static string NewPassword() => Base32.Encode(RandomNumberGenerator.GetBytes(15));

    public static string Verifier(string password, int iterations = Iterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Join('$', Scheme, iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    /// <summary>Whether <paramref name="verifier"/> has a usable form (the edge refuses a change whose verifier has not).</summary>
    public static bool IsWellFormed(string verifier) => TryParse(verifier, out _, out _, out _);

    /// <summary>True when <paramref name="password"/> is the one the verifier was made from; false for any other or a malformed verifier.</summary>
    public static bool Matches(string verifier, string? password)
    {
        if (password is null || !TryParse(verifier, out var iterations, out var salt, out var expected))
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static bool TryParse(string verifier, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = hash = [];
        var parts = verifier.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations is < 1000 or > 10_000_000)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(parts[2]);
            hash = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        return salt.Length >= 8 && hash.Length == HashBytes;
    }
}
