using System.Text.Json.Nodes;

namespace Coworking.Sim.Sensors;

/// <summary>What a simulated sensor reports now, and the payload it publishes for it.</summary>
internal sealed record SensorSnapshot(string Name, string Kind, string Shape, string Topic, bool Alive, bool Occupied, int Count, double Co2, int Battery, long Published);

/// <summary>
/// One simulated occupancy sensor. The control API sets its state; <see cref="SensorPublisher"/> publishes it on each
/// change and on a timer while it is alive. Killed (not alive), it falls silent, as a sensor whose battery died.
/// </summary>
internal sealed class SimulatedSensor(SimSensorOptions options)
{
    private readonly Lock gate = new();
    private bool alive = true;
    private bool occupied;
    private int count;
    private double co2 = 420;
    private long published;

    public SimSensorOptions Options => options;

    public string Name => options.Name;

    /// <summary>Set through the control API: the played day (<see cref="SensorDayPlayer"/>) leaves it alone from then on.</summary>
    public bool TakenOver { get; private set; }

    public void TakeOver() => TakenOver = true;

    /// <summary>Sets what is given; true when something changed.</summary>
    public bool Set(bool? occupied, int? count, double? co2, bool? alive)
    {
        lock (gate)
        {
            var before = (this.occupied, this.count, this.co2, this.alive);
            this.occupied = occupied ?? (count is { } c ? c > 0 : this.occupied);
            this.count = count ?? (occupied is { } o ? (o ? Math.Max(this.count, 1) : 0) : this.count);
            this.co2 = co2 ?? this.co2;
            this.alive = alive ?? this.alive;
            return before != (this.occupied, this.count, this.co2, this.alive);
        }
    }

    public void CountPublished() => Interlocked.Increment(ref published);

    public SensorSnapshot Snapshot()
    {
        lock (gate)
        {
            return new SensorSnapshot(options.Name, options.Kind, options.Shape, options.Topic, alive, occupied, count, co2, 87, Interlocked.Read(ref published));
        }
    }

    /// <summary>The message for the sensor's state in its shape (docs/SENSORS.md, "Payloads").</summary>
    public static string Payload(SensorSnapshot s)
    {
        var body = new JsonObject();
        switch (s.Shape, s.Kind)
        {
            case ("people_counter", _):
                body["people_count_all"] = s.Count;
                body["region_1_count"] = s.Count;
                break;
            case ("coworking", "counter"):
                body["count"] = s.Count;
                break;
            case ("coworking", "co2"):
                body["co2"] = s.Co2;
                break;
            case ("coworking", _):
                body["occupied"] = s.Occupied;
                body["battery"] = s.Battery;
                break;
            case (_, "pir"):
                body["occupancy"] = s.Occupied;
                break;
            case (_, "co2"):
                body["co2"] = s.Co2;
                break;
            case (_, "counter"):
                body["people_count_all"] = s.Count;
                break;
            default:
                body["presence"] = s.Occupied;
                break;
        }

        if (s.Shape == "zigbee2mqtt")
        {
            body["battery"] = s.Battery;
            body["linkquality"] = 120;
        }

        return body.ToJsonString();
    }
}
