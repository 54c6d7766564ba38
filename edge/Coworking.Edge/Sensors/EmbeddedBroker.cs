using System.Collections.Concurrent;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Coworking.Proto.V1;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Coworking.Edge.Sensors;

/// <summary>
/// The edge's own MQTT broker (the default, Edge:Sensors:Mode "embedded"): sensor gateways connect with a username
/// and password — one the hub issued (its verifier reached the edge through the change log) or one of the edge's own
/// config (Edge:Sensors:Gateways) — and publish; every publish is read by <see cref="SensorIngest"/> and still delivered
/// to any subscriber (an installer watching with mosquitto_sub). Plain TCP on Edge:Sensors:Port, or with Edge:Sensors:Tls
/// TLS on its port with the edge's certificate. When the hub renews or removes a gateway's password, the gateway's
/// connections that proved the old one are dropped as soon as the edge has the change.
/// </summary>
public sealed class EmbeddedBroker(SensorOptions options, ISensorCatalog catalog, SensorIngest ingest, TimeProvider time, ILogger<EmbeddedBroker> log) : BackgroundService
{
    /// <summary>How often the broker looks whether a sync changed the hub's gateways.</summary>
    public static readonly TimeSpan GatewayCheckInterval = TimeSpan.FromMilliseconds(200);


    // A verifier costs 100,000 PBKDF2 rounds to check; a gateway that reconnects (Wi-Fi drops, a power cut of the whole
    // floor) is checked once and then against the SHA-256 of the password it proved.
    private readonly ConcurrentDictionary<string, byte[]> _proven = new(StringComparer.Ordinal);

    // Per connected client id, the hub-issued gateway it proved (a connection of an Edge:Sensors:Gateways entry has none).
    private readonly ConcurrentDictionary<string, SensorGatewayConfig> _admitted = new(StringComparer.Ordinal);
    private MqttServer? _server;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        X509Certificate2? certificate = null;
        if (options.Tls.Enabled)
        {
            certificate = LoadCertificate(options.Tls);
            if (certificate is null)
            {
                return;
            }
        }

        var server = new MqttServerFactory().CreateMqttServer(ServerOptions(certificate));
        server.ValidatingConnectionAsync += Validate;
        server.ClientDisconnectedAsync += e =>
        {
            // A takeover's new connection has already been validated under the same client id: keep what it proved.
            if (e.DisconnectType != MqttClientDisconnectType.Takeover)
            {
                _admitted.TryRemove(e.ClientId, out _);
            }

            return Task.CompletedTask;
        };
        server.InterceptingPublishAsync += e =>
        {
            ingest.Receive(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload);
            return Task.CompletedTask;
        };
        _server = server;
        try
        {
            await server.StartAsync();
        }
        catch (System.Net.Sockets.SocketException e)
        {
            // Doors do not need sensors: the edge keeps running and /status shows the broker is not listening.
            log.LogError("Sensor broker cannot listen on port {Port}: {Problem}. Free the port or set Edge:Sensors:Port (Edge:Sensors:Tls:Port for TLS)",
                options.Tls.Enabled ? options.Tls.Port : options.Port, e.Message);
            ingest.BrokerProblem = "cannot listen: " + e.Message;
            server.Dispose();
            certificate?.Dispose();
            _server = null;
            return;
        }

        ingest.BrokerProblem = null;
        ingest.Connected = true;
        log.LogInformation(
            "Sensor broker listening on {Listeners} for {Gateways} gateways of the edge's config and {Issued} issued by the hub",
            Listeners(), options.Gateways.Count, catalog.Gateways.Count);
        try
        {
            using var timer = new PeriodicTimer(GatewayCheckInterval, time);
            var known = catalog.Gateways;
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var gateways = catalog.Gateways;
                if (!ReferenceEquals(gateways, known))
                {
                    known = gateways;
                    await DropRevokedAsync(server, gateways);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the broker is shut down below.
        }
        finally
        {
            ingest.Connected = false;
            await server.StopAsync();
            server.Dispose();
            certificate?.Dispose();
            _server = null;
        }
    }

    /// <summary>
    /// Drops every connection that proved a hub-issued password the hub has since renewed or removed (its verifier is no
    /// longer the gateway's), so a gateway whose password was taken away cannot go on publishing until it reconnects.
    /// </summary>
    private async Task DropRevokedAsync(MqttServer server, IReadOnlyCollection<SensorGatewayConfig> gateways)
    {
        foreach (var client in await server.GetClientsAsync())
        {
            if (!_admitted.TryGetValue(client.Id, out var proved)
                || gateways.Any(g => g.Username == proved.Username && g.PasswordVerifier == proved.PasswordVerifier))
            {
                continue;
            }

            _proven.TryRemove(proved.PasswordVerifier, out _);
            log.LogWarning("Sensor gateway {Username} (client {ClientId}) dropped: the hub renewed or removed its password", proved.Username, client.Id);
            await client.DisconnectAsync(new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.NotAuthorized, ReasonString = "password renewed or removed" });
        }
    }

    private MqttServerOptions ServerOptions(X509Certificate2? certificate)
    {
        var builder = new MqttServerOptionsBuilder();
        if (certificate is null || options.Tls.KeepPlain)
        {
            builder = builder.WithDefaultEndpoint().WithDefaultEndpointPort(options.Port);
        }

        if (certificate is not null)
        {
            builder = builder.WithEncryptedEndpoint().WithEncryptedEndpointPort(options.Tls.Port)
                .WithEncryptionCertificate(certificate).WithEncryptionSslProtocol(SslProtocols.Tls12 | SslProtocols.Tls13);
        }

        return builder.Build();
    }

    private string Listeners() => !options.Tls.Enabled ? $"port {options.Port}"
        : options.Tls.KeepPlain ? $"port {options.Tls.Port} (TLS) and {options.Port} (plain)"
        : $"port {options.Tls.Port} (TLS)";

    /// <summary>The edge's certificate and key from their PEM files; null (logged, and on /status) when they cannot be read.</summary>
    private X509Certificate2? LoadCertificate(EmbeddedTlsOptions tls)
    {
        try
        {
            using var pem = tls.KeyPath.Length > 0 ? X509Certificate2.CreateFromPemFile(tls.CertificatePath, tls.KeyPath) : X509Certificate2.CreateFromPemFile(tls.CertificatePath);
            if (!pem.HasPrivateKey)
            {
                throw new CryptographicException("no private key for the certificate");
            }

            // SslStream on Linux takes an ephemeral PEM key; exported and loaded again it is a key the TLS stack can hold.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            log.LogError("Sensor broker not started: the edge's certificate {Certificate} (key {Key}) cannot be used: {Problem}",
                tls.CertificatePath, tls.KeyPath.Length > 0 ? tls.KeyPath : "in the certificate file", e.Message);
            ingest.BrokerProblem = "the broker's TLS certificate cannot be used: " + e.Message;
            return null;
        }
    }

    public override void Dispose()
    {
        _server?.Dispose();
        base.Dispose();
    }

    private Task Validate(ValidatingConnectionEventArgs e)
    {
        if (options.Gateways.Any(g => g.Username.Length > 0 && g.Username == e.UserName && SameSecret(g.Password, e.Password)))
        {
            _admitted.TryRemove(e.ClientId, out _);
            return Task.CompletedTask;
        }

        var issued = catalog.Gateways.FirstOrDefault(g => g.Username == e.UserName && Proves(g.PasswordVerifier, e.Password));
        if (issued is null)
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            log.LogWarning("Sensor gateway {Username} refused at the broker: unknown username or wrong password", e.UserName);
            return Task.CompletedTask;
        }

        _admitted[e.ClientId] = issued;
        return Task.CompletedTask;
    }

    private bool Proves(string verifier, string? password)
    {
        if (password is null)
        {
            return false;
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(password));
        if (_proven.TryGetValue(verifier, out var known))
        {
            return CryptographicOperations.FixedTimeEquals(known, digest);
        }

        if (!GatewayPasswords.Matches(verifier, password))
        {
            return false;
        }

        _proven[verifier] = digest;
        return true;
    }

    private static bool SameSecret(string expected, string? given) =>
        given is not null && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(given)));
}
