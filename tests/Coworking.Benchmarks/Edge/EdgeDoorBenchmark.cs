using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Coworking.Benchmarks.Support;
using Coworking.Proto.V1;
using Coworking.Testing;

namespace Coworking.Benchmarks.Edge;

/// <summary>
/// edge-door [--badges 500] [--credentials 100000] [--doors 200] [--data-under /dev/shm]
/// The whole door path with real processes: firmware-sim readers on one end of a socat pty pair at 115200 baud,
/// the edge (Release build) on the other, its cache holding the given credentials and doors. Each badge is timed
/// by the simulated reader from the poll reply that carried the card to the strike command it received
/// (`strikeUs`): edge parse, decision, durable record in the outbox, OUT command on the wire. A pty passes bytes
/// at memory speed, so the line time a real RS-485 line adds for those two frames is printed apart. With
/// --data-under on a tmpfs the outbox's disk syncs cost nothing: the difference is what durability costs.
/// </summary>
internal static class EdgeDoorBenchmark
{
    private const int Baud = 115200;

    // osdp_RAW reply carrying 26 bits (8 + 6 header/trailer + 6 data bytes, CRC) and osdp_OUT with one output (16 + 12).
    private const int CardFrameBytes = 16;
    private const int StrikeFrameBytes = 12;

    public static async Task<int> RunAsync(string[] args)
    {
        var badges = Options.Int(args, "--badges", 500);
        var credentials = Options.Int(args, "--credentials", 100_000);
        var doors = Options.Int(args, "--doors", 200);
        using var scratch = new ScratchDirectory(Options.Text(args, "--data-under"));
        var data = new EdgeData(credentials, doors, DateTimeOffset.UtcNow);
        var edgeData = Path.Combine(scratch.Path, "edge");
        Directory.CreateDirectory(edgeData);
        using (var cache = EdgeData.OpenCache(edgeData))
        {
            var snapshot = data.Snapshot();
            cache.ApplySnapshot(snapshot);
            var seq = snapshot.LastSeq;
            var extra = new ChangeBatch { LocationId = EdgeData.LocationId, LastSeq = seq + 3 };
            extra.Changes.Add(new Change { Seq = seq + 1, Holder = new HolderUpsert { HolderId = "bench", Status = HolderStatus.Active } });
            extra.Changes.Add(new Change { Seq = seq + 2, Credential = new CredentialUpsert { CredentialId = "bench-card", HolderId = "bench", Kind = CredentialKind.Card, FacilityCode = 99, CardNumber = 4242 } });
            extra.Changes.Add(new Change { Seq = seq + 3, Grant = new GrantUpsert { GrantId = "bench-all", HolderId = "bench", AllDoors = true } });
            cache.Apply(extra);
            Console.WriteLine($"cache: {cache.Index.CredentialCount} credentials, {cache.Index.Doors.Count} doors");
        }

        using var bus = await SocatPair.StartAsync(scratch.Path, "bus");
        var plainDoor = EdgeData.DoorId(0);
        var secureDoor = EdgeData.DoorId(1);
        var simConfig = Path.Combine(scratch.Path, "sim.json");
        await File.WriteAllTextAsync(simConfig, JsonSerializer.Serialize(new
        {
            buses = new[]
            {
                new
                {
                    port = bus.DeviceEnd,
                    baudRate = Baud,
                    readers = new object[]
                    {
                        new { address = 1, doorId = plainDoor, secureChannel = false, keypad = true },
                        new { address = 2, doorId = secureDoor, secureChannel = true, keypad = true },
                    },
                },
            },
        }));
        await using var sim = ChildProcess.StartProject("firmware-sim/Coworking.Sim", "coworking-sim", ["--config", simConfig, "--urls", "http://127.0.0.1:0"]);
        await using var edge = ChildProcess.StartProject("edge/Coworking.Edge", "coworking-edge", [], new Dictionary<string, string>
        {
            ["Edge__DataDirectory"] = edgeData,
            ["Edge__StatusUrl"] = "http://127.0.0.1:0",
            ["Serilog__MinimumLevel__Default"] = "Warning",
            ["Serilog__MinimumLevel__Override__Microsoft.Hosting.Lifetime"] = "Information",
            ["Osdp__Buses__0__PortName"] = bus.EdgeEnd,
            ["Osdp__Buses__0__BaudRate"] = Baud.ToString(CultureInfo.InvariantCulture),
            ["Osdp__Buses__0__KeyStorePath"] = Path.Combine(edgeData, "osdp-keys.json"),
            ["Osdp__Buses__0__Readers__0__Address"] = "1",
            ["Osdp__Buses__0__Readers__0__DoorId"] = plainDoor,
            ["Osdp__Buses__0__Readers__1__Address"] = "2",
            ["Osdp__Buses__0__Readers__1__DoorId"] = secureDoor,
            ["Osdp__Buses__0__Readers__1__SecureChannel"] = "true",
        });
        using var http = new HttpClient { BaseAddress = await sim.ListeningAddressAsync(TimeSpan.FromSeconds(120)), Timeout = TimeSpan.FromSeconds(30) };
        await edge.ListeningAddressAsync(TimeSpan.FromSeconds(120));
        await WaitOnlineAsync(http, [plainDoor, secureDoor]);

        var lineMs = (CardFrameBytes + StrikeFrameBytes) * 10.0 * 1000 / Baud;
        foreach (var (door, label) in new[] { (plainDoor, "plain"), (secureDoor, "secure channel") })
        {
            var samples = new List<double>(badges);
            for (var i = 0; i < badges + 20; i++)
            {
                using var response = await http.PostAsJsonAsync($"/doors/{door}/badge", new { card = "99:4242" });
                var outcome = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (outcome.GetProperty("result").GetString() != "granted" || outcome.GetProperty("strikeUs").ValueKind != JsonValueKind.Number)
                {
                    Console.Error.WriteLine($"badge {i} at {door} was not granted with a strike: {outcome}\n{edge.Output}");
                    return 1;
                }

                if (i >= 20)
                {
                    samples.Add(outcome.GetProperty("strikeUs").GetInt64() / 1000.0);
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"card on the wire -> strike on the wire, {label}, {Baud} baud pty: {Percentiles.Of(samples).Format("ms")}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"line time a real RS-485 line adds at {Baud} baud for the card reply and the strike command ({CardFrameBytes}+{StrikeFrameBytes} bytes): {lineMs:F2} ms (add it to the figures above)"));
        return 0;
    }

    private static async Task WaitOnlineAsync(HttpClient sim, string[] doors)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var states = await sim.GetFromJsonAsync<JsonElement>("/doors");
            var online = states.EnumerateArray().Count(d => doors.Contains(d.GetProperty("doorId").GetString()) && d.GetProperty("online").GetBoolean()
                && (!d.GetProperty("secureChannel").GetBoolean() || d.GetProperty("secureChannelActive").GetBoolean()));
            if (online == doors.Length)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the edge did not bring the readers online within 60 s");
    }

}
