using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Coworking.Hub.Tests.Support;

namespace Coworking.Hub.Tests.EdgeSync;

/// <summary>A hub (<see cref="HubFixture"/>) with an edge certificate authority configured, so edges can enrol.</summary>
public sealed class AuthorityHubFixture : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "coworking-authority-" + Guid.NewGuid().ToString("N")[..8]);

    public AuthorityHubFixture()
    {
        Directory.CreateDirectory(_directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Test edge CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        AuthorityDer = authority.RawData;
        var path = Path.Combine(_directory, "ca.pem");
        File.WriteAllText(path, authority.ExportCertificatePem());
        Hub = new HubFixture([$"--EdgeSync:AuthorityCertificatePath={path}", "--EdgeSync:PublicUrl=https://hub.example:7443"]);
    }

    public HubFixture Hub { get; }

    public byte[] AuthorityDer { get; }

    public Task InitializeAsync() => Hub.InitializeAsync();

    public async Task DisposeAsync()
    {
        await Hub.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
