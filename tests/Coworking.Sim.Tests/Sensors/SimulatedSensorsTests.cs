using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using MQTTnet.Server;

namespace Coworking.Sim.Tests.Sensors;

/// <summary>The sim's sensors against a real MQTT broker (MQTTnet's, as the edge embeds it), driven by the control API.</summary>
public sealed class SimulatedSensorsTests : IAsyncLifetime
{
    private const string Topic = "zigbee2mqtt/boardroom-presence";

    private readonly ConcurrentQueue<(string Topic, string Payload)> received = new();
    private readonly int port = FreePort();
    private MqttServer? broker;
    private WebApplication? sim;
    private string? configPath;
    private HttpClient http = new();

    public async Task InitializeAsync()
    {
        broker = new MqttServerFactory().CreateMqttServer(new MqttServerOptionsBuilder().WithDefaultEndpoint().WithDefaultEndpointPort(port).Build());
        broker.ValidatingConnectionAsync += e =>
        {
            e.ReasonCode = e.UserName == "gw-1" && e.Password == "s3cret"
                ? MQTTnet.Protocol.MqttConnectReasonCode.Success
                : MQTTnet.Protocol.MqttConnectReasonCode.BadUserNameOrPassword;
            return Task.CompletedTask;
        };
        broker.InterceptingPublishAsync += e =>
        {
            received.Enqueue((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload)));
            return Task.CompletedTask;
        };
        await broker.StartAsync();

        configPath = Path.Combine(Path.GetTempPath(), $"sim-sensors-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(configPath, JsonSerializer.Serialize(new
        {
            sensors = new
            {
                broker = new { host = "127.0.0.1", port, username = "gw-1", password = "s3cret" },
                devices = new object[]
                {
                    new { name = "boardroom", kind = "presence", shape = "zigbee2mqtt", topic = Topic },
                    new { name = "lobby-counter", kind = "counter", shape = "people_counter", topic = "people-counter/lobby" },
                },
            },
        }));
        sim = SimApp.Build(["--config", configPath, "--urls", "http://127.0.0.1:0", "--Serilog:MinimumLevel:Default", "Warning"]);
        await sim.StartAsync();
        http = new HttpClient { BaseAddress = new Uri(sim.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
    }

    [Fact]
    public async Task Sensor_set_occupied_publishes_zigbee2mqtt_presence_and_a_killed_one_falls_silent()
    {
        await WaitForAsync(() => received.Any(m => m.Topic == Topic && m.Payload.Contains("\"presence\":false", StringComparison.Ordinal)), "the first state on connecting");

        using var occupied = await http.PostAsJsonAsync("/sensors/boardroom", new { occupied = true });
        occupied.EnsureSuccessStatusCode();
        await WaitForAsync(() => received.Any(m => m.Topic == Topic && m.Payload.Contains("\"presence\":true", StringComparison.Ordinal)), "presence published");

        using var killed = await http.PostAsJsonAsync("/sensors/boardroom", new { alive = false, occupied = false });
        killed.EnsureSuccessStatusCode();
        using var garbage = await http.PostAsJsonAsync("/sensors/lobby-counter", new { count = 3, garbage = true });
        garbage.EnsureSuccessStatusCode();
        await WaitForAsync(() => received.Any(m => m.Payload == "{\"presence\": tru"), "the garbage payload");

        Assert.Contains(received, m => m.Topic == "people-counter/lobby" && m.Payload.Contains("\"people_count_all\":3", StringComparison.Ordinal));
        var presence = received.Where(m => m.Topic == Topic).Select(m => m.Payload).ToList();
        Assert.Contains("\"presence\":true", presence[^1], StringComparison.Ordinal);
        var listed = await http.GetFromJsonAsync<JsonElement>("/sensors");
        Assert.True(listed.GetProperty("connected").GetBoolean());
        Assert.False(listed.GetProperty("sensors")[0].GetProperty("alive").GetBoolean());
    }

    [Fact]
    public async Task Bad_count_is_named_and_an_unknown_sensor_is_not_found()
    {
        using var badCount = await http.PostAsJsonAsync("/sensors/lobby-counter", new { count = -2 });
        using var unknown = await http.PostAsJsonAsync("/sensors/attic", new { occupied = true });

        Assert.Equal(HttpStatusCode.BadRequest, badCount.StatusCode);
        Assert.True((await badCount.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("count", out _));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        if (sim is not null)
        {
            await sim.StopAsync();
            await sim.DisposeAsync();
        }

        if (broker is not null)
        {
            await broker.StopAsync();
            broker.Dispose();
        }

        if (configPath is not null)
        {
            File.Delete(configPath);
        }
    }

    private static async Task WaitForAsync(Func<bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not seen: {what}");
            await Task.Delay(20);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
