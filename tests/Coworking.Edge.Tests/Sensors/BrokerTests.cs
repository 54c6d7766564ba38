using System.Text;
using Coworking.Edge.Sensors;
using Coworking.Edge.Tests.Support;
using MQTTnet;

namespace Coworking.Edge.Tests.Sensors;

/// <summary>Real brokers: the edge's embedded MQTTnet broker, and Debian's mosquitto as the building's broker.</summary>
public sealed class BrokerTests
{
    private static readonly SensorConfig Presence = TestSensors.Zigbee("s1", SensorKind.Presence, "room-1-presence", "room-1");

    [Fact]
    public async Task Gateway_publishing_to_the_embedded_broker_is_heard_and_a_wrong_password_is_refused()
    {
        var options = new SensorOptions { Port = FreePort.Next(), Gateways = [new SensorGatewayOptions { Username = "gw-1", Password = "s3cret" }] };
        var ingest = new SensorIngest(new SettableSensorCatalog(Presence), options, TimeProvider.System);
        using var broker = new EmbeddedBroker(options, ingest, Logs.For<EmbeddedBroker>());
        await broker.StartAsync(CancellationToken.None);
        await TestSensors.WaitForAsync(() => ingest.Connected, "the broker listening");

        var factory = new MqttClientFactory();
        using var intruder = factory.CreateMqttClient();
        var refused = await intruder.ConnectAsync(
            new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", options.Port).WithCredentials("gw-1", "guess").Build()).ContinueWith(t => t.IsFaulted || t.Result.ResultCode != MqttClientConnectResultCode.Success);
        Assert.True(refused);

        using var gateway = factory.CreateMqttClient();
        await gateway.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", options.Port).WithCredentials("gw-1", "s3cret").Build());
        await gateway.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("zigbee2mqtt/room-1-presence")
            .WithPayload(Encoding.UTF8.GetBytes("""{"presence":true,"battery":90}""")).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());

        await TestSensors.WaitForAsync(() => ingest.Status().Sensors[0].Occupied == true, "the presence message");
        Assert.Equal(90, ingest.Status().Sensors[0].Battery);
        await broker.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Edge_pointed_at_mosquitto_hears_sensors_as_with_the_embedded_broker()
    {
        using var directory = new TempDirectory();
        var port = FreePort.Next();
        var config = directory.File("mosquitto.conf");
        await File.WriteAllTextAsync(config, $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n");
        await using var mosquitto = ChildProcess.Start("/usr/sbin/mosquitto", ["-c", config], name: "mosquitto");
        await mosquitto.WaitForOutputAsync("running", TimeSpan.FromSeconds(20));

        var options = new SensorOptions { Mode = "external", External = new ExternalBrokerOptions { Host = "127.0.0.1", Port = port, ClientId = "edge-test" } };
        var ingest = new SensorIngest(new SettableSensorCatalog(Presence), options, TimeProvider.System);
        using var client = new BuildingBrokerClient(options, ingest, TimeProvider.System, Logs.For<BuildingBrokerClient>());
        await client.StartAsync(CancellationToken.None);
        await TestSensors.WaitForAsync(() => ingest.Connected, "the edge subscribed at mosquitto");

        using var gateway = new MqttClientFactory().CreateMqttClient();
        await gateway.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).Build());
        await gateway.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("zigbee2mqtt/room-1-presence")
            .WithPayload(Encoding.UTF8.GetBytes("""{"presence":true}""")).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await gateway.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("zigbee2mqtt/room-1-presence").WithPayload("garbage").Build());

        await TestSensors.WaitForAsync(() => ingest.Status().Sensors[0].Occupied == true && ingest.Problems.MalformedPayloads == 1, "the presence and the garbage");
        Assert.Equal("online", ingest.Status().Sensors[0].State);
        await client.StopAsync(CancellationToken.None);
    }
}
