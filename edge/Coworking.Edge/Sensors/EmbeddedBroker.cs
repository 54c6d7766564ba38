using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Coworking.Edge.Sensors;

/// <summary>
/// The edge's own MQTT broker (the default, Edge:Sensors:Mode "embedded"): sensor gateways connect with the
/// username and password configured for them and publish; every publish is read by <see cref="SensorIngest"/> and
/// still delivered to any subscriber (an installer watching with mosquitto_sub). Plain TCP on
/// Edge:Sensors:Port; TLS is not offered yet.
/// </summary>
public sealed class EmbeddedBroker(SensorOptions options, SensorIngest ingest, ILogger<EmbeddedBroker> log) : BackgroundService
{
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
        log.LogInformation("Sensor broker listening on port {Port} for {Gateways} gateways", options.Port, options.Gateways.Count);
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
        var allowed = options.Gateways.Any(g => g.Username.Length > 0 && g.Username == e.UserName && SameSecret(g.Password, e.Password));
        if (!allowed)
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            log.LogWarning("Sensor gateway {Username} refused at the broker: unknown username or wrong password", e.UserName);
        }

        return Task.CompletedTask;
    }

    private static bool SameSecret(string expected, string? given) =>
        given is not null && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(given)));
}
