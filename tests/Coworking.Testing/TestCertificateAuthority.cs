namespace Coworking.Testing;

/// <summary>
/// A throwaway certificate authority made with Debian's <c>openssl</c> when a test starts (P-256 keys, valid two days),
/// as a building's IT would make one for its own broker: its certificate is what a client is told to trust, and it
/// issues server certificates naming 127.0.0.1 and localhost.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private const string OpenSsl = "/usr/bin/openssl";

    private readonly string _directory;

    private TestCertificateAuthority(string directory)
    {
        _directory = directory;
    }

    /// <summary>The authority's certificate (PEM): what clients trust.</summary>
    public string CertificatePath => Path.Combine(_directory, "ca.pem");

    private string KeyPath => Path.Combine(_directory, "ca.key");

    public static async Task<TestCertificateAuthority> CreateAsync(string name)
    {
        var directory = Path.Combine(Path.GetTempPath(), "coworking-ca-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var authority = new TestCertificateAuthority(directory);
        await CommandLine.RunAsync(OpenSsl,
        [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=" + name, "-keyout", authority.KeyPath, "-out", authority.CertificatePath,
        ]);
        return authority;
    }

    /// <summary>
    /// A server certificate for 127.0.0.1 and localhost signed by this authority, written into <paramref name="directory"/>;
    /// its key is left readable by all, so a broker that drops root (mosquitto does) can still read it.
    /// </summary>
    public async Task<(string Certificate, string Key)> IssueServerAsync(string directory, string name)
    {
        var key = Path.Combine(directory, name + ".key");
        var request = Path.Combine(directory, name + ".csr");
        var certificate = Path.Combine(directory, name + ".pem");
        var extensions = Path.Combine(directory, name + ".ext");
        await File.WriteAllTextAsync(extensions, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
        await CommandLine.RunAsync(OpenSsl,
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", request]);
        await CommandLine.RunAsync(OpenSsl,
        [
            "x509", "-req", "-in", request, "-CA", CertificatePath, "-CAkey", KeyPath, "-CAcreateserial", "-days", "2",
            "-extfile", extensions, "-out", certificate,
        ]);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        return (certificate, key);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
