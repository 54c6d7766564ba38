using System.Text;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Protocol;

namespace Coworking.Sim.Sensors;

/// <summary>The simulated sensors, by name.</summary>
internal sealed class SensorDirectory(SensorSimOptions options)
{
    public IReadOnlyList<SimulatedSensor> Sensors { get; } = [.. options.Devices.Select(d => new SimulatedSensor(d))];

    public SimulatedSensor? Find(string name) => Sensors.FirstOrDefault(s => s.Name == name);
}

/// <summary>
/// Publishes the simulated sensors over MQTT (QoS 1) to the configured broker — the edge's embedded one or the
/// building's: each sensor's state when it changes, every live sensor's again every RepublishSeconds and on each
/// (re)connect. A broker that is down is retried with a doubling wait up to 5 s; nothing queued is lost meanwhile.
/// </summary>
internal sealed class SensorPublisher(SensorSimOptions options, SensorDirectory directory, TimeProvider time, ILogger<SensorPublisher> log)
    : BackgroundService
{
    private readonly Channel<(SimulatedSensor Sensor, string Payload)> outgoing = Channel.CreateUnbounded<(SimulatedSensor, string)>();

    /// <summary>Whether the sim holds a connection to the broker now.</summary>
    public bool Connected { get; private set; }

    /// <summary>Queues the sensor's current state; nothing for a killed sensor.</summary>
    public void Publish(SimulatedSensor sensor)
    {
        var snapshot = sensor.Snapshot();
        if (snapshot.Alive)
        {
            outgoing.Writer.TryWrite((sensor, SimulatedSensor.Payload(snapshot)));
        }
    }

    /// <summary>Queues a payload no adapter can read, on the sensor's topic.</summary>
    public void PublishGarbage(SimulatedSensor sensor) => outgoing.Writer.TryWrite((sensor, "{\"presence\": tru"));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var connect = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Broker.Host, options.Broker.Port)
            .WithClientId($"coworking-sim-sensors-{Environment.ProcessId}")
            .WithCredentials(options.Broker.Username, options.Broker.Password)
            .Build();
        using var republish = new PeriodicTimer(TimeSpan.FromSeconds(options.RepublishSeconds), time);
        var timer = RepublishAsync(republish, stoppingToken);
        var wait = TimeSpan.FromMilliseconds(100);
        (SimulatedSensor Sensor, string Payload)? pending = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!client.IsConnected)
                {
                    Connected = false;
                    await client.ConnectAsync(connect, stoppingToken);
                    Connected = true;
                    wait = TimeSpan.FromMilliseconds(100);
                    log.LogInformation("Sensors connected to the broker at {Host}:{Port}", options.Broker.Host, options.Broker.Port);
                    foreach (var sensor in directory.Sensors)
                    {
                        Publish(sensor);
                    }
                }

                pending ??= await outgoing.Reader.ReadAsync(stoppingToken);
                await client.PublishAsync(
                    new MqttApplicationMessageBuilder().WithTopic(pending.Value.Sensor.Options.Topic).WithPayload(Encoding.UTF8.GetBytes(pending.Value.Payload))
                        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                    stoppingToken);
                pending.Value.Sensor.CountPublished();
                pending = null;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Adapter.MqttConnectingFailedException or InvalidOperationException)
            {
                Connected = false;
                log.LogWarning("Sensors cannot reach the broker at {Host}:{Port} ({Reason}); trying again in {Wait}", options.Broker.Host, options.Broker.Port, ex.Message, wait);
                try
                {
                    await Task.Delay(wait, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }

        Connected = false;

        await timer;
    }

    private async Task RepublishAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var sensor in directory.Sensors)
                {
                    Publish(sensor);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The sim is stopping: the republishing ends with it.
        }
    }
}
