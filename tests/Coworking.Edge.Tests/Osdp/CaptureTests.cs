using System.Buffers.Binary;
using Coworking.Edge.Osdp.Capture;
using Coworking.Edge.Osdp.Replies;
using Coworking.Edge.Tests.Osdp.Support;
using Microsoft.Extensions.Time.Testing;

namespace Coworking.Edge.Tests.Osdp;

public sealed class CaptureTests : IDisposable
{
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("osdp-capture-");

    public void Dispose() => directory.Delete(recursive: true);

    [Fact]
    public async Task Capture_is_a_pcap_file_with_every_frame_sent_received_and_rejected()
    {
        var pd = new TestPd(1);
        var (cp, pdEnd) = InMemoryLink.CreatePair();
        var options = BusHarness.FastOptions(BusHarness.Reader(1)) with { CaptureDirectory = directory.FullName };
        await using (var responder = new TestPdResponder(pdEnd, pd) { NoiseBeforeReplies = [0x01, 0x02] })
        await using (var harness = new BusHarness(options, cp))
        {
            await harness.OnlineAsync(1);
            pd.Present(new RawCardReply(0, 0, 8, new byte[] { 9 }));
            await harness.NextAsync<Coworking.Edge.Osdp.ControlPanel.CardPresented>();
        }

        var file = Assert.Single(directory.GetFiles("osdp-test-*.pcap"));
        var packets = ReadPcap(File.ReadAllBytes(file.FullName));
        Assert.Equal(Convert.FromHexString("53010900046100"), packets[0].Bytes[..7]);
        Assert.Contains(packets, p => p.Bytes[1] == 0x81 && p.Bytes[5] == ReplyCode.PdId);
        Assert.Contains(packets, p => p.Bytes[1] == 0x81 && p.Bytes[5] == ReplyCode.RawCard);
        Assert.Contains(packets, p => p.Bytes.SequenceEqual(new byte[] { 0x01, 0x02 }));
        Assert.All(packets.Where(p => p.Bytes[0] == 0x53), p => Assert.Equal(p.Bytes[2] | (p.Bytes[3] << 8), p.Bytes.Length));
    }

    [Fact]
    public async Task Capture_asked_for_while_the_bus_runs_holds_its_polls_and_replies_and_then_ends()
    {
        var pd = new TestPd(1);
        var (cp, pdEnd) = InMemoryLink.CreatePair();
        await using var responder = new TestPdResponder(pdEnd, pd);
        await using var harness = new BusHarness(BusHarness.FastOptions(BusHarness.Reader(1)), cp);
        await harness.OnlineAsync(1);

        var capture = harness.Bus.StartCapture(directory.FullName, TimeSpan.FromSeconds(1));
        Assert.StartsWith(directory.FullName, capture.Path, StringComparison.Ordinal);
        await capture.Completed.WaitAsync(BusHarness.WaitLimit);

        var packets = ReadPcap(await File.ReadAllBytesAsync(capture.Path));
        Assert.Contains(packets, p => p.Bytes[1] == 0x01 && p.Bytes[5] == 0x60);
        Assert.Contains(packets, p => p.Bytes[1] == 0x81 && p.Bytes[5] == ReplyCode.Ack);
        var length = new FileInfo(capture.Path).Length;
        var commandsAtEnd = pd.Received.Count;
        Assert.True(await BusHarness.EventuallyAsync(() => pd.Received.Count > commandsAtEnd + 3));
        Assert.Equal(length, new FileInfo(capture.Path).Length);
    }

    [Fact]
    public void Capture_stops_at_its_size_limit_instead_of_filling_the_disk()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
        using var stream = new MemoryStream();
        var stops = new List<string>();
        using var writer = new OsdpPcapWriter(stream, time, maxBytes: 24 + (3 * 24), stops.Add);

        for (var i = 0; i < 10; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1.5));
            writer.Write(new byte[8]);
        }

        Assert.True(writer.Full);
        Assert.Single(stops);
        var records = ReadPcap(stream.ToArray());
        Assert.Equal(3, records.Count);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero).AddMilliseconds(1.5), records[0].At);
        Assert.Equal(TimeSpan.FromMilliseconds(1.5), records[1].At - records[0].At);
    }

    [Fact]
    public async Task Capture_directory_that_cannot_be_created_leaves_the_bus_running()
    {
        var blocker = Path.Combine(directory.FullName, "not-a-directory");
        await File.WriteAllTextAsync(blocker, "x");
        var pd = new TestPd(1);
        var (cp, pdEnd) = InMemoryLink.CreatePair();
        var options = BusHarness.FastOptions(BusHarness.Reader(1)) with { CaptureDirectory = Path.Combine(blocker, "captures") };
        await using var responder = new TestPdResponder(pdEnd, pd);
        await using var harness = new BusHarness(options, cp);

        await harness.OnlineAsync(1);
    }

    /// <summary>Reads a classic pcap file the way Wireshark does: global header (link type USER0), then one record per packet.</summary>
    internal static List<(byte[] Bytes, DateTimeOffset At)> ReadPcap(byte[] pcap)
    {
        Assert.Equal(0xA1B2C3D4u, BinaryPrimitives.ReadUInt32LittleEndian(pcap));
        Assert.Equal(OsdpPcapWriter.LinkTypeUser0, BinaryPrimitives.ReadUInt32LittleEndian(pcap.AsSpan(20)));
        var packets = new List<(byte[], DateTimeOffset)>();
        var at = 24;
        while (at < pcap.Length)
        {
            var seconds = BinaryPrimitives.ReadUInt32LittleEndian(pcap.AsSpan(at));
            var microseconds = BinaryPrimitives.ReadUInt32LittleEndian(pcap.AsSpan(at + 4));
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(pcap.AsSpan(at + 8));
            Assert.Equal(length, (int)BinaryPrimitives.ReadUInt32LittleEndian(pcap.AsSpan(at + 12)));
            packets.Add((pcap.AsSpan(at + 16, length).ToArray(), DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(microseconds * 10)));
            at += 16 + length;
        }

        return packets;
    }
}
