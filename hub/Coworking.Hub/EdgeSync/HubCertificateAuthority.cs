using Coworking.Proto;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Coworking.Hub.EdgeSync;

/// <summary>The certificate authority edges trust for the hub, read once at start from EdgeSync:AuthorityCertificatePath.</summary>
public sealed class HubCertificateAuthority
{
    public HubCertificateAuthority(IOptions<EdgeSyncOptions> options)
    {
        var path = options.Value.AuthorityCertificatePath;
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(path));
        CertificatePem = certificate.ExportCertificatePem();
        Pin = PinOf(certificate.RawData);
    }

    /// <summary>The authority in PEM, or null when none is configured.</summary>
    public string? CertificatePem { get; }

    /// <summary>The first 20 bytes of the SHA-256 of the authority's DER, in base32; part of every enrolment code.</summary>
    public string? Pin { get; }

    public static string PinOf(byte[] der) => Base32.Encode(SHA256.HashData(der).AsSpan(0, 20));
}
