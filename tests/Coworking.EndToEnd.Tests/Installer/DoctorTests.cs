using System.Buffers.Binary;
using System.Text.Json;
using Coworking.Testing.Sync;

namespace Coworking.EndToEnd.Tests.Installer;

/// <summary>
/// <c>coworking-edge doctor</c> on a building set up as an installer would: a real hub, an enrolled and running
/// edge, firmware-sim readers on a pty bus — one fine, one whose secure channel key the edge has wrong, and one
/// configured at the edge but not on the bus (unplugged). Doctor must name each with its fix, with the edge
/// running and with it stopped, and then name the hub once it is stopped.
/// </summary>
[Collection(Sync.SyncCollection.Name)]
public sealed class DoctorTests
{
    private const string ReaderKey = "00112233445566778899aabbccddeeff";
    private const string WrongKey = "ffeeddccbbaa99887766554433221100";

    [Fact]
    public async Task Doctor_names_an_unplugged_reader_a_wrong_key_and_a_stopped_hub_each_with_its_fix()
    {
        await using var building = await InstalledBuilding.StartAsync(ReaderKey, WrongKey);
        var site = building.Site;
        await site.Edge.WaitForStatusAsync(
            s => s.GetProperty("readers").EnumerateArray().Count(r => r.GetProperty("lastError").ValueKind == JsonValueKind.String) == 2,
            "the studio and side readers have failed to come online");

        var running = await building.DoctorAsync();
        await site.Edge.KillAsync();
        var stopped = await building.DoctorAsync();
        await site.Hub.KillAsync();
        var hubDown = await building.DoctorAsync();

        foreach (var report in new[] { running, stopped })
        {
            Assert.Equal(1, report.ExitCode);
            Assert.Equal("ok", report.Finding("reader", "bus0-edge:1 ").GetProperty("level").GetString());
            var wrongKey = report.Finding("reader", "bus0-edge:2 ");
            Assert.Equal("fail", wrongKey.GetProperty("level").GetString());
            Assert.Contains("cryptogram does not match the key", wrongKey.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Contains("Scbk", wrongKey.GetProperty("fix").GetString(), StringComparison.Ordinal);
            var unplugged = report.Finding("reader", "bus0-edge:3 ");
            Assert.Equal("fail", unplugged.GetProperty("level").GetString());
            Assert.Contains("no reply", unplugged.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Contains("address 3", unplugged.GetProperty("fix").GetString(), StringComparison.Ordinal);
            Assert.Contains("accepts this edge's credential", report.Finding("hub", site.Hub.SyncUrl, "credential").GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.Contains("in use by the running edge", running.Finding("port", building.Port).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("warn", stopped.Finding("edge", "").GetProperty("level").GetString());
        Assert.Contains("usable", stopped.Finding("port", building.Port).GetProperty("message").GetString(), StringComparison.Ordinal);
        var hub = hubDown.Finding("hub", site.Hub.SyncUrl);
        Assert.Equal(1, hubDown.ExitCode);
        Assert.Equal("fail", hub.GetProperty("level").GetString());
        Assert.Contains("cannot reach the hub", hub.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("check that the hub is running", hub.GetProperty("fix").GetString(), StringComparison.Ordinal);
        Assert.Contains("FAIL", (await building.DoctorTextAsync()).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Capture_of_a_running_edges_bus_is_a_pcap_of_its_polls_and_replies_one_frame_per_packet()
    {
        await using var building = await InstalledBuilding.StartAsync(ReaderKey, ReaderKey);

        var result = await building.RunAsync(["capture", "--bus", "bus0-edge", "--seconds", "2"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var path = result.Stdout.Trim();
        Assert.StartsWith(Path.Combine(building.Site.Edge.DataDirectory, "captures"), path, StringComparison.Ordinal);
        var pcap = await File.ReadAllBytesAsync(path);
        Assert.Equal(0xA1B2C3D4u, BinaryPrimitives.ReadUInt32LittleEndian(pcap));
        Assert.Equal(147u, BinaryPrimitives.ReadUInt32LittleEndian(pcap.AsSpan(20)));
        var packets = new List<byte[]>();
        for (var at = 24; at < pcap.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(pcap.AsSpan(at + 8));
            packets.Add(pcap.AsSpan(at + 16, length).ToArray());
            at += 16 + length;
        }

        Assert.Contains(packets, p => p[0] == 0x53 && p[1] == 0x01 && p[5] == 0x60);
        Assert.Contains(packets, p => p[0] == 0x53 && p[1] == 0x81 && p[5] == 0x40);
        Assert.Contains(packets, p => p[0] == 0x53 && p[1] == 0x82 && (p[4] & 0x08) != 0);
        Assert.All(packets.Where(p => p[0] == 0x53), p => Assert.Equal(p[2] | (p[3] << 8), p.Length));
    }
}
