using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Coworking.Edge.Tests.Support;
using Coworking.Testing.Sync;
using MQTTnet;

namespace Coworking.Edge.Tests.Telemetry;

/// <summary>
/// A real edge process (`coworking-edge run`, metrics on) with a simulated OSDP reader at a door and its embedded sensor
/// broker, scraped on its status port as Prometheus on the box would.
/// </summary>
public sealed class EdgeMetricsTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly Guid _door = Guid.NewGuid();
    private readonly int _mqttPort = FreePort.Next();
    private SimReader _reader = null!;
    private EdgeInstance _edge = null!;

    public async Task InitializeAsync()
    {
        _reader = await SimReader.StartAsync(_dir.Path, _door);
        var settings = new Dictionary<string, string>(_reader.EdgeSettings(_door, _dir.Path))
        {
            ["Telemetry__Metrics__Enabled"] = "true",
            ["Edge__Sensors__Mode"] = "embedded",
            ["Edge__Sensors__Port"] = _mqttPort.ToString(CultureInfo.InvariantCulture),
            ["Edge__Sensors__Gateways__0__Username"] = "gw-1",
            ["Edge__Sensors__Gateways__0__Password"] = "s3cret",
        };
        _edge = new EdgeInstance(Path.Combine(_dir.Path, "edge"), settings);
        await _edge.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _edge.DisposeAsync();
        await _reader.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Metrics_show_decisions_by_reason_their_latency_the_outbox_the_reader_and_mqtt_messages()
    {
        await _edge.WaitForStatusAsync(s => s.GetProperty("readers").EnumerateArray().Any(r => r.GetProperty("online").GetBoolean()), "the reader online");
        Assert.Equal("denied", await _reader.BadgeAsync(_door, "42:777"));
        await PublishAsync("zigbee2mqtt/nobody-knows-me", """{"occupancy":true}""");

        var text = await Eventually.Async(ScrapeAsync, t => Regex.IsMatch(t, """coworking_edge_mqtt_refused_total\{[^}]*problem="unknown_topic"[^}]*\} 1\b"""), "the MQTT message counted");

        Assert.Matches("""coworking_edge_decisions_total\{[^}]*reason="unknown_credential"[^}]*result="denied"[^}]*\} 1\b""", text);
        Assert.Matches("""coworking_edge_decision_duration_seconds_count\{[^}]*reason="unknown_credential"[^}]*\} 1\b""", text);
        Assert.Matches("""coworking_edge_decision_duration_seconds_bucket\{[^}]*le="0.0001"[^}]*\} [01]\b""", text);
        Assert.Matches("""coworking_edge_outbox_depth(\{[^}]*\})? [1-9]""", text);
        Assert.Matches($$"""coworking_edge_reader_online\{[^}]*door_id="{{_door}}"[^}]*\} 1\b""", text);
        Assert.Matches("""coworking_edge_mqtt_messages_total(\{[^}]*\})? [1-9]""", text);
        Assert.Matches("""coworking_edge_hub_connected(\{[^}]*\})? 0\b""", text);
        Assert.DoesNotContain("777", Regex.Replace(text, @"[0-9]+\.[0-9]+|e[-+][0-9]+", ""), StringComparison.Ordinal);
    }

    private async Task<string> ScrapeAsync()
    {
        using var http = new HttpClient { BaseAddress = _edge.StatusUrl, Timeout = TimeSpan.FromSeconds(30) };
        using var answer = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return await answer.Content.ReadAsStringAsync();
    }

    private async Task PublishAsync(string topic, string payload)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _mqttPort).WithCredentials("gw-1", "s3cret").Build());
        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await client.DisconnectAsync();
    }
}

/// <summary>An edge whose metrics are allowed to another network only: from the box itself, /metrics is not there.</summary>
public sealed class EdgeMetricsNetworkTests
{
    [Fact]
    public async Task Metrics_are_not_there_for_a_client_outside_the_allowed_networks()
    {
        using var dir = new TempDirectory();
        await using var edge = new EdgeInstance(dir.Path, new Dictionary<string, string>
        {
            ["Telemetry__Metrics__Enabled"] = "true",
            ["Telemetry__Metrics__AllowedNetworks__0"] = "10.99.0.0/16",
            ["Edge__Sensors__Mode"] = "none",
        });
        await edge.StartAsync();
        using var http = new HttpClient { BaseAddress = edge.StatusUrl, Timeout = TimeSpan.FromSeconds(30) };

        using var metrics = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        using var status = await http.GetAsync(new Uri("/status", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
    }
}
