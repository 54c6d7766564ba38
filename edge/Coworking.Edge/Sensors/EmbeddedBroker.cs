using System.Collections.Concurrent;
using System.Security.Cryptography;
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
/// to any subscriber (an installer watching with mosquitto_sub). Plain TCP on Edge:Sensors:Port.
/// </summary>
public sealed class EmbeddedBroker(SensorOptions options, ISensorCatalog catalog, SensorIngest ingest, ILogger<EmbeddedBroker> log) : BackgroundService
{
    // A verifier costs 100,000 PBKDF2 rounds to check; a gateway that reconnects (Wi-Fi drops, a power cut of the whole
    // floor) is checked once and then against the SHA-256 of the password it proved.
    private readonly ConcurrentDictionary<string, byte[]> _proven = new(StringComparer.Ordinal);
    private MqttServer? _server;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var serverOptions = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointPort(options.Port)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(serverOptions);
        server.ValidatingConnectionAsync += Validate;
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
            log.LogError("Sensor broker cannot listen on port {Port}: {Problem}. Free the port or set Edge:Sensors:Port", options.Port, e.Message);
            server.Dispose();
            _server = null;
            return;
        }

        ingest.Connected = true;
        log.LogInformation(
            "Sensor broker listening on port {Port} for {Gateways} gateways of the edge's config and {Issued} issued by the hub",
            options.Port, options.Gateways.Count, catalog.Gateways.Count);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
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
            _server = null;
        }
    }

    public override void Dispose()
    {
        _server?.Dispose();
        base.Dispose();
    }

    private Task Validate(ValidatingConnectionEventArgs e)
    {
        var allowed = options.Gateways.Any(g => g.Username.Length > 0 && g.Username == e.UserName && SameSecret(g.Password, e.Password))
            || catalog.Gateways.Any(g => g.Username == e.UserName && Proves(g.PasswordVerifier, e.Password));
        if (!allowed)
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            log.LogWarning("Sensor gateway {Username} refused at the broker: unknown username or wrong password", e.UserName);
        }

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
