using System.Diagnostics.Tracing;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Coworking.Proto.V1;
using Coworking.Testing;
using Microsoft.Diagnostics.NETCore.Client;
using MQTTnet;

namespace Coworking.Benchmarks.Edge;

/// <summary>
/// edge-memory [--credentials 100000] [--readers 16] [--buses 4] [--sensors 50] [--seconds 120] [--budget-mb 150] [--text-ids]
/// The small box budget (issue 20, item 7): the real edge (Release build, its own runtime settings) with the given
/// credentials cached (a snapshot applied to its cache file, as the hub's would be, with the hub's UUID ids unless
/// --text-ids), the readers spread over socat pty
/// pairs as firmware-sim readers at 115200 baud (every other one on the secure channel), and the sensors each a
/// gateway connection to the edge's embedded MQTT broker publishing a Zigbee2MQTT message every second. Badges are
/// presented one after another, round the doors, for the load phase. The edge process's resident set is read from
/// /proc/&lt;pid&gt;/status (VmRSS, VmHWM, RssAnon, RssFile) after start, during and after the load, and after a forced
/// steady state: load stopped, then a full blocking collection induced through the runtime's diagnostics port (the
/// same request dotnet-gcdump makes) and 10 s of quiet with the sensors still publishing.
/// </summary>
internal static class EdgeMemoryBenchmark
{
    private const int Baud = 115200;

    // Microsoft-Windows-DotNETRuntime's GCHeapCollect keyword: enabling it makes the runtime run a full blocking GC.
    private const long GcHeapCollectKeyword = 0x800000;

    public static async Task<int> RunAsync(string[] args)
    {
        var credentials = Options.Int(args, "--credentials", 100_000);
        var readers = Options.Int(args, "--readers", 16);
        var buses = Math.Min(Options.Int(args, "--buses", 4), readers);
        var sensors = Options.Int(args, "--sensors", 50);
        var seconds = Options.Int(args, "--seconds", 120);
        var budgetMb = Options.Int(args, "--budget-mb", 150);
        using var scratch = new ScratchDirectory(Options.Text(args, "--data-under"));
        var data = new EdgeData(credentials, Math.Max(200, readers), DateTimeOffset.UtcNow, hubIds: !args.Contains("--text-ids"));
        var edgeData = Path.Combine(scratch.Path, "edge");
        Directory.CreateDirectory(edgeData);
        using (var cache = EdgeData.OpenCache(edgeData))
        {
            var snapshot = data.Snapshot();
            var seq = snapshot.LastSeq;
            for (var s = 0; s < sensors; s++)
            {
                snapshot.Changes.Add(new Change { Seq = ++seq, Sensor = Sensor(s) });
            }

            snapshot.LastSeq = seq;
            cache.ApplySnapshot(snapshot);
            Console.WriteLine($"cache: {cache.Index.CredentialCount} credentials, {cache.Index.HolderCount} holders, {cache.Index.GrantCount} grants, {cache.Index.Doors.Count} doors, {cache.Index.Sensors.Count} sensors");
        }

        var pairs = new List<SocatPair>();
        try
        {
            for (var b = 0; b < buses; b++)
            {
                pairs.Add(await SocatPair.StartAsync(scratch.Path, $"bus{b}"));
            }

            var layout = Enumerable.Range(0, readers).Select(r => (Bus: r % buses, Address: 1 + (r / buses), Door: EdgeData.DoorId(r), Secure: r % 2 == 1)).ToList();
            var simConfig = Path.Combine(scratch.Path, "sim.json");
            await File.WriteAllTextAsync(simConfig, JsonSerializer.Serialize(new
            {
                buses = Enumerable.Range(0, buses).Select(b => new
                {
                    port = pairs[b].DeviceEnd,
                    baudRate = Baud,
                    readers = layout.Where(r => r.Bus == b).Select(r => new { address = r.Address, doorId = r.Door, secureChannel = r.Secure, keypad = true }).ToArray(),
                }).ToArray(),
            }));

            var brokerPort = FreePort.Next();
            var environment = new Dictionary<string, string>
            {
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["Edge__DataDirectory"] = edgeData,
                ["Edge__StatusUrl"] = "http://127.0.0.1:0",
                ["Edge__Sensors__Port"] = brokerPort.ToString(CultureInfo.InvariantCulture),
                ["Edge__Sensors__Gateways__0__Username"] = "bench-gw",
                ["Edge__Sensors__Gateways__0__Password"] = "bench-gw-password",
                ["Serilog__MinimumLevel__Default"] = "Warning",
                ["Serilog__MinimumLevel__Override__Microsoft.Hosting.Lifetime"] = "Information",
            };
            foreach (var (name, value) in UnitRuntimeSettings())
            {
                environment[name] = value;
                Console.WriteLine($"from deploy/edge/coworking-edge.service: {name}={value}");
            }

            for (var b = 0; b < buses; b++)
            {
                environment[$"Osdp__Buses__{b}__PortName"] = pairs[b].EdgeEnd;
                environment[$"Osdp__Buses__{b}__BaudRate"] = Baud.ToString(CultureInfo.InvariantCulture);
                environment[$"Osdp__Buses__{b}__KeyStorePath"] = Path.Combine(edgeData, $"osdp-keys-{b}.json");
                var onBus = layout.Where(r => r.Bus == b).ToList();
                for (var i = 0; i < onBus.Count; i++)
                {
                    environment[$"Osdp__Buses__{b}__Readers__{i}__Address"] = onBus[i].Address.ToString(CultureInfo.InvariantCulture);
                    environment[$"Osdp__Buses__{b}__Readers__{i}__DoorId"] = onBus[i].Door;
                    environment[$"Osdp__Buses__{b}__Readers__{i}__SecureChannel"] = onBus[i].Secure ? "true" : "false";
                }
            }

            await using var sim = ChildProcess.StartProject("firmware-sim/Coworking.Sim", "coworking-sim", ["--config", simConfig, "--urls", "http://127.0.0.1:0"]);
            await using var edge = ChildProcess.StartProject("edge/Coworking.Edge", "coworking-edge", [], environment);
            using var simHttp = new HttpClient { BaseAddress = await sim.ListeningAddressAsync(TimeSpan.FromSeconds(120)), Timeout = TimeSpan.FromSeconds(30) };
            using var edgeHttp = new HttpClient { BaseAddress = await edge.ListeningAddressAsync(TimeSpan.FromSeconds(120)), Timeout = TimeSpan.FromSeconds(30) };
            await WaitOnlineAsync(simHttp, [.. layout.Select(r => r.Door)]);
            Report("started, readers online, no sensors yet", edge.Pid, budgetMb);

            using var stop = new CancellationTokenSource();
            var gateways = await ConnectSensorsAsync(brokerPort, sensors);
            var publishing = PublishAsync(gateways, stop.Token);

            var peakRss = 0L;
            var badges = 0;
            var granted = 0;
            var random = new Random(7);
            var until = DateTimeOffset.UtcNow.AddSeconds(seconds);
            var nextSample = DateTimeOffset.UtcNow;
            while (DateTimeOffset.UtcNow < until)
            {
                var door = layout[badges % layout.Count].Door;
                var holder = random.Next(data.Holders);
                using var response = await simHttp.PostAsJsonAsync($"/doors/{door}/badge", new { card = $"12:{1000 + holder}" });
                var outcome = await response.Content.ReadFromJsonAsync<JsonElement>();
                badges++;
                if (outcome.TryGetProperty("result", out var result) && result.GetString() == "granted")
                {
                    granted++;
                }

                if (DateTimeOffset.UtcNow >= nextSample)
                {
                    peakRss = Math.Max(peakRss, ProcStatus.Read(edge.Pid).RssKb);
                    nextSample = DateTimeOffset.UtcNow.AddSeconds(1);
                }
            }

            var heard = await SensorMessagesAsync(edgeHttp);
            Console.WriteLine($"load: {badges} badges in {seconds} s at {readers} doors ({granted} granted), {heard} sensor messages heard from {sensors} sensors");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"largest VmRSS sampled once a second during the load: {peakRss / 1024.0:F1} MiB"));
            Report("right after the load", edge.Pid, budgetMb);

            InduceFullCollection(edge.Pid);
            await Task.Delay(TimeSpan.FromSeconds(10));
            Report("steady state: load stopped, a full GC induced, 10 s with the sensors still publishing", edge.Pid, budgetMb);

            await stop.CancelAsync();
            await publishing;
            foreach (var gateway in gateways)
            {
                gateway.Dispose();
            }

            return 0;
        }
        finally
        {
            foreach (var pair in pairs)
            {
                pair.Dispose();
            }
        }
    }

    /// <summary>The runtime's settings the systemd unit gives the edge (Environment=DOTNET_…), so the edge measured is the edge installed.</summary>
    private static IEnumerable<(string Name, string Value)> UnitRuntimeSettings() =>
        File.ReadAllLines(Path.Combine(RepoPaths.Root, "deploy", "edge", "coworking-edge.service"))
            .Where(line => line.StartsWith("Environment=DOTNET_", StringComparison.Ordinal))
            .Select(line => line["Environment=".Length..].Split('=', 2))
            .Select(parts => (parts[0], parts[1]));

    private static SensorUpsert Sensor(int s)
    {
        var kind = (s % 5) switch
        {
            0 => "pir",
            1 => "co2",
            _ => "desk",
        };
        return new SensorUpsert
        {
            SensorId = $"sensor-{s:00}",
            Name = $"sensor {s}",
            Kind = kind,
            Adapter = "zigbee2mqtt",
            Topic = $"zigbee2mqtt/sensor-{s:00}",
            ResourceId = $"desk-{s:00}",
            AreaId = $"area-{s / 10}",
            HoldS = 120,
            TimeoutS = 600,
        };
    }

    private static async Task<List<IMqttClient>> ConnectSensorsAsync(int port, int sensors)
    {
        var factory = new MqttClientFactory();
        var clients = new List<IMqttClient>(sensors);
        for (var s = 0; s < sensors; s++)
        {
            var client = factory.CreateMqttClient();
            await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId($"sensor-{s:00}")
                .WithCredentials("bench-gw", "bench-gw-password").Build());
            clients.Add(client);
        }

        return clients;
    }

    /// <summary>Every sensor once a second, the fields a real one sends, motion and CO2 drifting.</summary>
    private static async Task PublishAsync(List<IMqttClient> gateways, CancellationToken cancellationToken)
    {
        var round = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            for (var s = 0; s < gateways.Count; s++)
            {
                var payload = (s % 5) switch
                {
                    0 => $$"""{"occupancy":{{((round + s) % 7 == 0 ? "true" : "false")}},"battery":{{90 - (s % 30)}},"linkquality":{{100 + s}},"illuminance_lux":{{200 + round % 50}}}""",
                    1 => $$"""{"co2":{{450 + ((round * 7 + s) % 400)}},"battery":80,"linkquality":120}""",
                    _ => $$"""{"presence":{{((round / 10 + s) % 3 == 0 ? "true" : "false")}},"battery":70,"linkquality":140}""",
                };
                await gateways[s].PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"zigbee2mqtt/sensor-{s:00}")
                    .WithPayload(Encoding.UTF8.GetBytes(payload)).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(), CancellationToken.None);
            }

            round++;
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task<long> SensorMessagesAsync(HttpClient edge)
    {
        var status = await edge.GetFromJsonAsync<JsonElement>("/status");
        return status.GetProperty("sensors").GetProperty("messages").GetInt64();
    }

    private static void InduceFullCollection(int pid)
    {
        var client = new DiagnosticsClient(pid);
        using var session = client.StartEventPipeSession(
            new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GcHeapCollectKeyword), requestRundown: false, circularBufferMB: 1);
        var drain = session.EventStream.CopyToAsync(Stream.Null);
        Thread.Sleep(2000);
        session.Stop();
        drain.Wait(TimeSpan.FromSeconds(10));
    }

    private static void Report(string when, int pid, int budgetMb)
    {
        var status = ProcStatus.Read(pid);
        var rssMb = status.RssKb / 1024.0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{when}: VmRSS {rssMb:F1} MiB (anon {status.AnonKb / 1024.0:F1}, file {status.FileKb / 1024.0:F1}), VmHWM {status.HwmKb / 1024.0:F1} MiB, {status.Threads} threads; budget {budgetMb} MB: {(status.RssKb * 1024 <= budgetMb * 1_000_000L ? "within" : "OVER")}"));
    }

    private static async Task WaitOnlineAsync(HttpClient sim, string[] doors)
    {
        for (var attempt = 0; attempt < 1200; attempt++)
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

        throw new TimeoutException("the edge did not bring the readers online within 120 s");
    }

    private sealed record ProcStatus(long RssKb, long HwmKb, long AnonKb, long FileKb, int Threads)
    {
        public static ProcStatus Read(int pid)
        {
            var fields = File.ReadAllLines($"/proc/{pid}/status")
                .Select(line => line.Split(':', 2))
                .Where(parts => parts.Length == 2)
                .ToDictionary(parts => parts[0], parts => parts[1].Trim().Split(' ')[0], StringComparer.Ordinal);
            long Kb(string name) => fields.TryGetValue(name, out var value) ? long.Parse(value, CultureInfo.InvariantCulture) : 0;
            return new ProcStatus(Kb("VmRSS"), Kb("VmHWM"), Kb("RssAnon"), Kb("RssFile") + Kb("RssShmem"), (int)Kb("Threads"));
        }
    }
}
