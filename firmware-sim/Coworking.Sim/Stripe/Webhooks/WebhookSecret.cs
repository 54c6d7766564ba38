using System.Security.Cryptography;
using System.Text;
using Coworking.Sim.Stripe.Wire;

namespace Coworking.Sim.Stripe.Webhooks;

/// <summary>
/// Endpoint secrets and the Stripe-Signature header: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 keyed with the whole
/// secret string (whsec_ included, UTF-8) over "&lt;t&gt;.&lt;payload&gt;"&gt;, exactly as Stripe signs and Stripe.net checks.
/// </summary>
internal static class WebhookSecret
{
    public static bool IsValid(string? secret) =>
        secret is not null && secret.StartsWith("whsec_", StringComparison.Ordinal) && secret.Length >= 14 && secret[6..].All(char.IsAsciiLetterOrDigit);

    public static string New() => "whsec_" + Ids.Random(32);

    public static string Header(string secret, long timestamp, string payload) =>
        $"t={timestamp},v1={Sign(secret, timestamp, payload)}";

    public static string Sign(string secret, long timestamp, string payload) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{payload}")));

    /// <summary>For logs and listings: the prefix and the last four characters.</summary>
    public static string Masked(string secret) => secret.Length > 10 ? $"{secret[..6]}…{secret[^4..]}" : "whsec_…";
}
