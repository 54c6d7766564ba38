using System.Globalization;

namespace Coworking.Testing;

/// <summary>
/// Debian's mosquitto as a building's own broker, on a free loopback port with a password per user (no anonymous
/// clients), and Debian's <c>mosquitto_pub</c> publishing to it as a sensor gateway or an installer would
/// (deploy/local/install-deps.sh installs both).
/// </summary>
public sealed class Mosquitto : IAsyncDisposable
{
    public const string Broker = "/usr/sbin/mosquitto";
    public const string Passwd = "/usr/bin/mosquitto_passwd";
    public const string Pub = "/usr/bin/mosquitto_pub";

    private readonly string _directory;
    private readonly ChildProcess _process;

    private Mosquitto(string directory, int port, ChildProcess process)
    {
        _directory = directory;
        Port = port;
        _process = process;
    }

    public int Port { get; }

    public string Output => _process.Output;

    /// <summary>Starts mosquitto allowing exactly these users, each with its password; with <paramref name="tls"/> its listener is TLS only.</summary>
    public static async Task<Mosquitto> StartAsync(IReadOnlyDictionary<string, string> users, TestCertificateAuthority? tls = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "coworking-mosquitto-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var passwords = Path.Combine(directory, "passwords");
        foreach (var (user, password) in users)
        {
            string[] create = File.Exists(passwords) ? ["-b"] : ["-c", "-b"];
            await CommandLine.RunAsync(Passwd, [.. create, passwords, user, password]);
        }

        var port = FreePort.Next();
        var config = Path.Combine(directory, "mosquitto.conf");
        var listener = string.Create(CultureInfo.InvariantCulture,
            $"listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {passwords}\npersistence false\n");
        if (tls is not null)
        {
            var (certificate, key) = await tls.IssueServerAsync(directory, "broker");
            listener += $"cafile {tls.CertificatePath}\ncertfile {certificate}\nkeyfile {key}\n";
        }

        await File.WriteAllTextAsync(config, listener);
        var process = ChildProcess.Start(Broker, ["-c", config], name: "mosquitto");
        var mosquitto = new Mosquitto(directory, port, process);
        try
        {
            await process.WaitForOutputAsync("running", TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            await mosquitto.DisposeAsync();
            throw;
        }

        return mosquitto;
    }

    /// <summary>
    /// Publishes one message at QoS 1 with <c>mosquitto_pub -L mqtt://user:password@host:port/topic -i id</c> (the
    /// line docs/SENSORS.md gives for the demo) and waits for it to exit; throws with its output unless it succeeded. With
    /// <paramref name="caFile"/> it publishes over TLS (<c>mqtts://</c>) trusting that CA.
    /// </summary>
    public static Task PublishAsync(string user, string password, int port, string topic, string payload, string? caFile = null) =>
        CommandLine.RunAsync(Pub,
        [
            "-L", string.Create(CultureInfo.InvariantCulture, $"{(caFile is null ? "mqtt" : "mqtts")}://{user}:{password}@127.0.0.1:{port}/{topic}"),
            // A client id of its own: without one mosquitto_pub asks the broker to assign one, which MQTT 3.1.1 leaves to
            // the broker and the edge's MQTTnet broker refuses ("identifier rejected").
            "-i", "mosquitto-pub-" + Guid.NewGuid().ToString("N")[..8], "-q", "1", "-m", payload, .. caFile is null ? Array.Empty<string>() : ["--cafile", caFile],
        ]);

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
