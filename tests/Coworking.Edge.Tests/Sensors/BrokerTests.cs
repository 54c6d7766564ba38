using System.Security.Cryptography.X509Certificates;
using System.Text;
using Coworking.Edge.Sensors;
using Coworking.Edge.Tests.Support;
using Coworking.Proto.V1;
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
        var catalog = new SettableSensorCatalog(Presence);
        var ingest = new SensorIngest(catalog, options, TimeProvider.System);
        using var broker = new EmbeddedBroker(options, catalog, ingest, TimeProvider.System, Logs.For<EmbeddedBroker>());
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
    public async Task Gateway_the_hub_issued_connects_with_its_password_and_is_refused_once_renewed_or_removed()
    {
        var options = new SensorOptions { Port = FreePort.Next() };
        var catalog = new SettableSensorCatalog(Presence) { Gateways = [new SensorGatewayConfig("g1", "hall-gw", GatewayPasswords.Verifier("first-password"))] };
        var ingest = new SensorIngest(catalog, options, TimeProvider.System);
        using var broker = new EmbeddedBroker(options, catalog, ingest, TimeProvider.System, Logs.For<EmbeddedBroker>());
        await broker.StartAsync(CancellationToken.None);
        await TestSensors.WaitForAsync(() => ingest.Connected, "the broker listening");

        var first = await ConnectsAsync(options.Port, "hall-gw", "first-password");
        var again = await ConnectsAsync(options.Port, "hall-gw", "first-password");
        var wrong = await ConnectsAsync(options.Port, "hall-gw", "first-passwore");
        catalog.Gateways = [new SensorGatewayConfig("g1", "hall-gw", GatewayPasswords.Verifier("second-password"))];
        var old = await ConnectsAsync(options.Port, "hall-gw", "first-password");
        var renewed = await ConnectsAsync(options.Port, "hall-gw", "second-password");
        catalog.Gateways = [];
        var removed = await ConnectsAsync(options.Port, "hall-gw", "second-password");

        Assert.Equal((true, true, false), (first, again, wrong));
        Assert.Equal((false, true, false), (old, renewed, removed));
        await broker.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Gateway_connected_with_a_password_the_hub_renews_or_removes_is_dropped_at_once()
    {
        var options = new SensorOptions { Port = FreePort.Next(), Gateways = [new SensorGatewayOptions { Username = "bench-gw", Password = "bench-s3cret" }] };
        var hall = new SensorGatewayConfig("g1", "hall-gw", GatewayPasswords.Verifier("first-password"));
        var annex = new SensorGatewayConfig("g2", "annex-gw", GatewayPasswords.Verifier("annex-password"));
        var catalog = new SettableSensorCatalog(Presence) { Gateways = [hall, annex] };
        var ingest = new SensorIngest(catalog, options, TimeProvider.System);
        using var broker = new EmbeddedBroker(options, catalog, ingest, TimeProvider.System, Logs.For<EmbeddedBroker>());
        await broker.StartAsync(CancellationToken.None);
        await TestSensors.WaitForAsync(() => ingest.Connected, "the broker listening");

        using var hallBefore = await ConnectAsync(options.Port, "hall-gw", "first-password");
        using var annexGateway = await ConnectAsync(options.Port, "annex-gw", "annex-password");
        using var benchGateway = await ConnectAsync(options.Port, "bench-gw", "bench-s3cret");
        catalog.Gateways = [hall with { PasswordVerifier = GatewayPasswords.Verifier("second-password") }, annex];
        await TestSensors.WaitForAsync(() => !hallBefore.IsConnected, "the gateway with the renewed password dropped");

        using var hallAfter = await ConnectAsync(options.Port, "hall-gw", "second-password");
        catalog.Gateways = [annex];
        await TestSensors.WaitForAsync(() => !hallAfter.IsConnected, "the removed gateway dropped");

        Assert.True(annexGateway.IsConnected, "a gateway whose password stayed is kept");
        Assert.True(benchGateway.IsConnected, "a gateway of the edge's own config is kept");
        Assert.False(await ConnectsAsync(options.Port, "hall-gw", "second-password"));
        await annexGateway.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("zigbee2mqtt/room-1-presence")
            .WithPayload(Encoding.UTF8.GetBytes("""{"presence":true}""")).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await TestSensors.WaitForAsync(() => ingest.Status().Sensors[0].Occupied == true, "the kept gateway's message");
        await broker.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Embedded_broker_serves_tls_with_the_edges_certificate_and_closes_the_plain_port()
    {
        using var directory = new TempDirectory();
        using var authority = await TestCertificateAuthority.CreateAsync("Canal Street edges CA");
        var (certificate, key) = await authority.IssueServerAsync(directory.Path, "edge");
        var options = new SensorOptions
        {
            Port = FreePort.Next(),
            Tls = new EmbeddedTlsOptions { Enabled = true, Port = FreePort.Next(), CertificatePath = certificate, KeyPath = key },
            Gateways = [new SensorGatewayOptions { Username = "gw-1", Password = "s3cret" }],
        };
        var ingest = new SensorIngest(new SettableSensorCatalog(Presence), options, TimeProvider.System);
        using var broker = new EmbeddedBroker(options, new SettableSensorCatalog(Presence), ingest, TimeProvider.System, Logs.For<EmbeddedBroker>());
        await broker.StartAsync(CancellationToken.None);
        await TestSensors.WaitForAsync(() => ingest.Connected, "the broker listening over TLS");

        await Mosquitto.PublishAsync("gw-1", "s3cret", options.Tls.Port, "zigbee2mqtt/room-1-presence", """{"presence":true}""", caFile: authority.CertificatePath);
        await TestSensors.WaitForAsync(() => ingest.Status().Sensors[0].Occupied == true, "mosquitto_pub's presence over TLS");

        string? seen = null;
        var trusted = new X509Certificate2Collection();
        trusted.ImportFromPemFile(authority.CertificatePath);
        using var gateway = new MqttClientFactory().CreateMqttClient();
        await gateway.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", options.Tls.Port).WithCredentials("gw-1", "s3cret")
            .WithTlsOptions(tls => tls.UseTls().WithTargetHost("127.0.0.1").WithCertificateValidationHandler(e =>
            {
                using var presented = X509CertificateLoader.LoadCertificate(e.Certificate.GetRawCertData());
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                seen = presented.Subject;
                return !e.SslPolicyErrors.HasFlag(System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) && chain.Build(presented);
            }))
            .Build());
        await gateway.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("zigbee2mqtt/room-1-presence")
            .WithPayload(Encoding.UTF8.GetBytes("""{"presence":false,"battery":77}""")).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await TestSensors.WaitForAsync(() => ingest.Status().Sensors[0].Battery == 77, "the MQTTnet client's message over TLS");

        Assert.Equal("CN=127.0.0.1", seen);
        Assert.False(ingest.Status().Sensors[0].Occupied);
        Assert.False(await ConnectsAsync(options.Port, "gw-1", "s3cret"), "the plain port is closed when TLS is on");
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

    [Fact]
    public async Task Edge_connects_to_mosquitto_over_tls_trusting_the_buildings_ca_and_refuses_a_broker_signed_by_another()
    {
        using var building = await TestCertificateAuthority.CreateAsync("Canal Street building CA");
        using var stranger = await TestCertificateAuthority.CreateAsync("Someone else's CA");
        await using var mosquitto = await Mosquitto.StartAsync(new Dictionary<string, string> { ["edge"] = "edge-s3cret", ["gw-1"] = "gw-s3cret" }, tls: building);

        var wary = TlsOptions(mosquitto.Port, stranger.CertificatePath);
        var waryIngest = new SensorIngest(new SettableSensorCatalog(Presence), wary, TimeProvider.System);
        using (var refused = new BuildingBrokerClient(wary, waryIngest, TimeProvider.System, Logs.For<BuildingBrokerClient>()))
        {
            await refused.StartAsync(CancellationToken.None);
            await TestSensors.WaitForAsync(() => waryIngest.Status().BrokerProblem is not null, "the untrusted broker refused");
            await refused.StopAsync(CancellationToken.None);
        }

        var trusting = TlsOptions(mosquitto.Port, building.CertificatePath);
        var ingest = new SensorIngest(new SettableSensorCatalog(Presence), trusting, TimeProvider.System);
        using var client = new BuildingBrokerClient(trusting, ingest, TimeProvider.System, Logs.For<BuildingBrokerClient>());
        await client.StartAsync(CancellationToken.None);
        await TestSensors.WaitForAsync(() => ingest.Connected, "the edge subscribed at mosquitto over TLS");
        await Mosquitto.PublishAsync("gw-1", "gw-s3cret", mosquitto.Port, "zigbee2mqtt/room-1-presence", """{"presence":true}""", caFile: building.CertificatePath);

        await TestSensors.WaitForAsync(() => ingest.Status().Sensors[0].Occupied == true, "the presence published over TLS");
        Assert.Contains("not signed by the CA", waryIngest.Status().BrokerProblem, StringComparison.Ordinal);
        Assert.False(waryIngest.Connected);
        Assert.Null(ingest.Status().BrokerProblem);
        await client.StopAsync(CancellationToken.None);
    }

    private static SensorOptions TlsOptions(int port, string caCertificate) => new()
    {
        Mode = "external",
        External = new ExternalBrokerOptions
        {
            Host = "127.0.0.1", Port = port, Username = "edge", Password = "edge-s3cret", ClientId = "edge-" + Guid.NewGuid().ToString("N")[..8],
            Tls = true, CaCertificatePath = caCertificate,
        },
    };

    private static async Task<IMqttClient> ConnectAsync(int port, string username, string password)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithCredentials(username, password)
            .WithClientId(username + "-" + Guid.NewGuid().ToString("N")[..8]).Build());
        return client;
    }

    private static async Task<bool> ConnectsAsync(int port, string username, string password)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var result = await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithCredentials(username, password).Build());
            return result.ResultCode == MqttClientConnectResultCode.Success;
        }
        catch (Exception e) when (e is MQTTnet.Adapter.MqttConnectingFailedException or MQTTnet.Exceptions.MqttCommunicationException)
        {
            return false;
        }
    }
}
