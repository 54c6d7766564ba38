using Coworking.Edge.Sensors;

namespace Coworking.Edge.Tests.Sensors;

/// <summary>A catalog the test sets, as the cache would after a batch.</summary>
public sealed class SettableSensorCatalog(params SensorConfig[] sensors) : ISensorCatalog
{
    public IReadOnlyCollection<SensorConfig> Sensors { get; set; } = sensors;

    public IReadOnlyCollection<SensorGatewayConfig> Gateways { get; set; } = [];
}

public static class TestSensors
{
    public static SensorConfig Zigbee(string id, SensorKind kind, string friendlyName, string resourceId, int holdSeconds = 120) =>
        new(id, friendlyName, kind, SensorAdapter.Zigbee2Mqtt, "zigbee2mqtt/" + friendlyName, resourceId, "area-1", TimeSpan.FromSeconds(holdSeconds), TimeSpan.FromMinutes(10));

    public static SensorConfig Own(string id, SensorKind kind, string resourceId) =>
        new(id, id, kind, SensorAdapter.Coworking, "", resourceId, "area-1", TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(10));

    public static SensorConfig Counter(string id, string topic, string resourceId) =>
        new(id, id, SensorKind.Counter, SensorAdapter.PeopleCounter, topic, resourceId, "area-1", TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(10));

    public static void Publish(this SensorIngest ingest, string topic, string payload) => ingest.Receive(topic, System.Text.Encoding.UTF8.GetBytes(payload));

    public static async Task WaitForAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException("never saw: " + what);
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }
}
