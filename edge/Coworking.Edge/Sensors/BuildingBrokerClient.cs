using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;

namespace Coworking.Edge.Sensors;

/// <summary>
/// A client of the building's own broker (Edge:Sensors:Mode "external", e.g. mosquitto): subscribes to the
/// configured topics and hands every message to <see cref="SensorIngest"/>. After a refused or lost connection it
/// waits a random time up to a ceiling that starts at ReconnectInitialDelayMs and doubles per failure up to
/// ReconnectMaxDelayMs, and tries again; a connection that lived 30 s resets the ceiling.
/// </summary>
public sealed class BuildingBrokerClient(SensorOptions options, SensorIngest ingest, TimeProvider time, ILogger<BuildingBrokerClient> log) : BackgroundService
{
    private static readonly TimeSpan StableConnection = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var external = options.External;
        var factory = new MqttClientFactory();
        using var client = factory.CreateMqttClient();
        var lost = new SemaphoreSlim(0);
        client.ApplicationMessageReceivedAsync += e =>
        {
            ingest.Receive(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload);
            return Task.CompletedTask;
        };
        client.DisconnectedAsync += _ =>
        {
            ingest.Connected = false;
            lost.Release();
            return Task.CompletedTask;
        };
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(external.Host, external.Port)
            .WithClientId(external.ClientId.Length > 0 ? external.ClientId : "coworking-edge-" + Environment.MachineName)
            .WithCleanSession(false)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15));
        if (external.Username is { Length: > 0 } username)
        {
            builder = builder.WithCredentials(username, external.Password ?? "");
        }

        var clientOptions = builder.Build();
        var subscribe = factory.CreateSubscribeOptionsBuilder();
        foreach (var topic in external.Topics)
        {
            subscribe = subscribe.WithTopicFilter(topic, MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);
        }

        var subscription = subscribe.Build();
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var connectedAt = time.GetTimestamp();
            try
            {
                await client.ConnectAsync(clientOptions, stoppingToken);
                await client.SubscribeAsync(subscription, stoppingToken);
                ingest.Connected = true;
                log.LogInformation("Connected to the building's broker {Host}:{Port}, subscribed to {Topics}", external.Host, external.Port, external.Topics);
                await lost.WaitAsync(stoppingToken);
                log.LogWarning("Lost the building's broker {Host}:{Port}", external.Host, external.Port);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Adapter.MqttConnectingFailedException or InvalidOperationException)
            {
                log.LogWarning("Cannot reach the building's broker {Host}:{Port}: {Problem}", external.Host, external.Port, e.Message);
            }

            ingest.Connected = false;
            failures = time.GetElapsedTime(connectedAt) >= StableConnection ? 1 : failures + 1;
            while (lost.CurrentCount > 0)
            {
                await lost.WaitAsync(stoppingToken);
            }

            try
            {
                await Task.Delay(Backoff(failures), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        ingest.Connected = false;
        if (client.IsConnected)
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None);
        }
    }

    /// <summary>"Full jitter", as the hub link does: edges of one building do not all return in the same instant.</summary>
    private TimeSpan Backoff(int failures)
    {
        var external = options.External;
        var ceiling = Math.Min(external.ReconnectMaxDelayMs, external.ReconnectInitialDelayMs * Math.Pow(2, Math.Min(failures - 1, 20)));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }
}
