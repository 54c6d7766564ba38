using Coworking.Proto;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Coworking.Hub.EdgeSync;

/// <summary>
/// A one-time enrolment code: <c>&lt;secret&gt;.&lt;authority pin&gt;</c>, both base32 (lower case). The secret (16 random
/// bytes) is what the hub checks, stored only as its SHA-256. The pin is the first 20 bytes of the SHA-256
/// of the hub's certificate authority (DER): the edge trusts the authority it is shown only when the pin
/// matches, before it sends the secret anywhere (as kubeadm's join token with its CA hash).
/// </summary>
internal sealed record EnrolmentCode(string Secret, string AuthorityPin)
{
    private const int SecretBytes = 16;

    public string Text => $"{Secret}.{AuthorityPin}";

    public static EnrolmentCode Create(string authorityPin) => new(Base32.Encode(RandomNumberGenerator.GetBytes(SecretBytes)), authorityPin);

    /// <summary>The hash of a presented secret, to find its row; false when it cannot be a secret of ours.</summary>
    public static bool TryHashSecret(string? secret, [NotNullWhen(true)] out byte[]? hash)
    {
        hash = null;
        if (secret is null || secret.Length != (SecretBytes * 8 + 4) / 5 || !secret.All(c => Base32.Alphabet.Contains(c, StringComparison.Ordinal)))
        {
            return false;
        }

        hash = HashSecret(secret);
        return true;
    }

    public static byte[] HashSecret(string secret) => SHA256.HashData(Encoding.ASCII.GetBytes(secret));
}
