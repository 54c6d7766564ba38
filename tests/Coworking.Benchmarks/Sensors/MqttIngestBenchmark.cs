using System.Diagnostics;
using System.Text;
using Coworking.Benchmarks.Edge;
using Coworking.Edge.Sensors;
using Coworking.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace Coworking.Benchmarks.Sensors;

/// <summary>
/// sensors-mqtt [--clients 50] [--messages 4000] [--inflight 16]
/// MQTT ingestion at the edge: <c>clients</c> sensor gateways each publish <c>messages</c> Zigbee2MQTT presence messages
/// at QoS 1 (up to <c>inflight</c> unacknowledged each) to the edge's embedded broker, every one read by the edge's
/// SensorIngest; then the same load to Debian's mosquitto relaying it to one QoS 1 subscriber, in the same run. Prints
/// messages/s and how many were lost (sent but never read) for each.
/// </summary>
internal static class MqttIngestBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var clients = Options.Int(args, "--clients", 50);
        var messages = Options.Int(args, "--messages", 4000);
        var inflight = Options.Int(args, "--inflight", 16);
        var total = (long)clients * messages;
        Console.WriteLine($"{clients} clients × {messages} messages at QoS 1, {inflight} in flight each: {total:N0} messages");

        var sensors = Enumerable.Range(0, clients)
            .Select(i => new SensorConfig($"s{i}", $"room-{i}", SensorKind.Presence, SensorAdapter.Zigbee2Mqtt, $"zigbee2mqtt/room-{i}", $"r{i}", "a", TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30)))
            .ToList();
        var edgePort = FreePort.Next();
        var options = new SensorOptions { Port = edgePort, Gateways = [new SensorGatewayOptions { Username = "gw", Password = "bench-secret" }] };
        var catalog = new FixedCatalog(sensors);
        var ingest = new SensorIngest(catalog, options, TimeProvider.System);
        using (var broker = new EmbeddedBroker(options, catalog, ingest, TimeProvider.System, NullLogger<EmbeddedBroker>.Instance))
        {
            await broker.StartAsync(CancellationToken.None);
            while (!ingest.Connected)
            {
                await Task.Delay(10);
            }

            var elapsed = await PublishAsync(edgePort, "gw", "bench-secret", clients, messages, inflight, () => ingest.Messages >= total);
            Report("edge (embedded MQTTnet broker → SensorIngest)", total, ingest.Messages, elapsed);
            if (ingest.Problems.UnknownTopics + ingest.Problems.MalformedPayloads > 0)
            {
                Console.WriteLine($"  problems: {ingest.Problems.UnknownTopics} unknown topics, {ingest.Problems.MalformedPayloads} malformed");
            }

            await broker.StopAsync(CancellationToken.None);
        }

        var mosquittoPort = FreePort.Next();
        var config = Path.Combine(Path.GetTempPath(), $"bench-mosquitto-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(config, $"listener {mosquittoPort} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nmax_inflight_messages 0\n");
        try
        {
            await using var mosquitto = ChildProcess.Start("/usr/sbin/mosquitto", ["-c", config], name: "mosquitto");
            await mosquitto.WaitForOutputAsync("running", TimeSpan.FromSeconds(20));
            long relayed = 0;
            using var subscriber = new MqttClientFactory().CreateMqttClient();
            subscriber.ApplicationMessageReceivedAsync += _ =>
            {
                Interlocked.Increment(ref relayed);
                return Task.CompletedTask;
            };
            await subscriber.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", mosquittoPort).WithClientId("bench-subscriber").Build());
            await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("zigbee2mqtt/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
            var elapsed = await PublishAsync(mosquittoPort, null, null, clients, messages, inflight, () => Interlocked.Read(ref relayed) >= total);
            Report("mosquitto relaying to one subscriber", total, Interlocked.Read(ref relayed), elapsed);
            await subscriber.DisconnectAsync();
        }
        finally
        {
            File.Delete(config);
        }

        return 0;
    }

    private static void Report(string what, long sent, long read, TimeSpan elapsed) =>
        Console.WriteLine($"{what}: {sent / elapsed.TotalSeconds:N0} msg/s ({sent:N0} in {elapsed.TotalSeconds:N2} s), read {read:N0}, lost {Math.Max(0, sent - read):N0}");

    /// <summary>Connects the clients, then times from the first publish until <paramref name="allRead"/> holds (at most 120 s after the last PUBACK).</summary>
    private static async Task<TimeSpan> PublishAsync(int port, string? username, string? password, int clients, int messages, int inflight, Func<bool> allRead)
    {
        var factory = new MqttClientFactory();
        var connected = new List<IMqttClient>();
        for (var i = 0; i < clients; i++)
        {
            var client = factory.CreateMqttClient();
            var builder = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId($"bench-gw-{i}");
            if (username is not null)
            {
                builder = builder.WithCredentials(username, password);
            }

            await client.ConnectAsync(builder.Build());
            connected.Add(client);
        }

        var payloads = new[] { Encoding.UTF8.GetBytes("""{"presence":true,"battery":90,"linkquality":120}"""), Encoding.UTF8.GetBytes("""{"presence":false,"battery":90,"linkquality":120}""") };
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(connected.Select((client, i) => Task.Run(async () =>
        {
            var topic = $"zigbee2mqtt/room-{i}";
            using var window = new SemaphoreSlim(inflight);
            var pending = new List<Task>(messages);
            for (var m = 0; m < messages; m++)
            {
                await window.WaitAsync();
                var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payloads[m % 2]).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
                pending.Add(client.PublishAsync(message).ContinueWith(_ => window.Release(), TaskScheduler.Default));
            }

            await Task.WhenAll(pending);
        })));
        var deadline = Stopwatch.StartNew();
        while (!allRead() && deadline.Elapsed < TimeSpan.FromSeconds(120))
        {
            await Task.Delay(1);
        }

        var elapsed = clock.Elapsed;
        foreach (var client in connected)
        {
            await client.DisconnectAsync();
            client.Dispose();
        }

        return elapsed;
    }

    private sealed class FixedCatalog(IReadOnlyCollection<SensorConfig> sensors) : ISensorCatalog
    {
        public IReadOnlyCollection<SensorConfig> Sensors => sensors;

        public IReadOnlyCollection<SensorGatewayConfig> Gateways => [];
    }
}
