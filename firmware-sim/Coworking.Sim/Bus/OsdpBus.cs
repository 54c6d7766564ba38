using Coworking.Sim.Osdp;
using Coworking.Sim.Osdp.Framing;
using Coworking.Sim.Readers;

namespace Coworking.Sim.Bus;

/// <summary>A bus and what its decoder accepted and rejected, for GET /buses.</summary>
internal sealed record BusSnapshot(
    string Port, int BaudRate, bool Open, long Frames, long GarbageBytes, long BadLength, long BadCheck, long Malformed);

/// <summary>Bytes to write for one reply, after waiting <see cref="Delay"/> (the slow-reply fault).</summary>
internal sealed record BusReply(byte[] Bytes, TimeSpan Delay);

/// <summary>
/// One RS-485 bus as the readers see it: frames from the CP are cut from the byte stream and handed to the
/// reader(s) they address; their replies go back with any faults the readers are set to show.
/// </summary>
internal sealed class OsdpBus(string port, int baudRate, IReadOnlyList<SimulatedReader> readers, TimeProvider time)
{
    private const int MinGarbage = 8;
    private const int MaxGarbage = 32;

    private readonly FrameDecoder decoder = new();
    private readonly List<OsdpFrame> frames = [];

    public string Port { get; } = port;

    public int BaudRate { get; } = baudRate;

    public IReadOnlyList<SimulatedReader> Readers { get; } = readers;

    public FrameCounters Counters => decoder.Counters;

    /// <summary>Whether the serial port is open right now (set by the service that runs the bus).</summary>
    public bool IsOpen { get; set; }

    public BusSnapshot Snapshot() => new(
        Port, BaudRate, IsOpen, Counters.Frames, Counters.GarbageBytes, Counters.BadLength, Counters.BadCheck, Counters.Malformed);

    /// <summary>Reads frames and writes replies until the stream ends or the token fires.</summary>
    public async Task ProcessAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[256];
        while (true)
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return;
            }

            foreach (var reply in Receive(buffer.AsSpan(0, read)))
            {
                if (reply.Delay > TimeSpan.Zero)
                {
                    await Task.Delay(reply.Delay, time, cancellationToken);
                }

                await stream.WriteAsync(reply.Bytes, cancellationToken);
                await stream.FlushAsync(cancellationToken);
            }
        }
    }

    /// <summary>Feeds bytes from the line to the decoder and returns what the readers answer, faults applied.</summary>
    internal IReadOnlyList<BusReply> Receive(ReadOnlySpan<byte> bytes)
    {
        frames.Clear();
        decoder.Push(bytes, time.GetUtcNow(), frames);
        var replies = new List<BusReply>();
        foreach (var frame in frames.Where(f => !f.IsReply))
        {
            foreach (var reader in Readers.Where(r => r.Answers(frame.Address)))
            {
                var faults = reader.Faults;
                if (faults.NoReply)
                {
                    continue;
                }

                var reply = faults.Busy ? reader.BusyReply(frame) : reader.Handle(frame);
                replies.Add(ApplyFaults(reply, faults));
            }
        }

        return replies;
    }

    private static BusReply ApplyFaults(byte[] reply, ReaderFaults faults)
    {
        var bytes = reply;
        if (faults.BadCrc)
        {
            bytes = [.. reply];
            bytes[^1] ^= 0xA5;
        }

        if (faults.Garbage)
        {
            var noise = new byte[Random.Shared.Next(MinGarbage, MaxGarbage + 1)];
            Random.Shared.NextBytes(noise);
            for (var i = 0; i < noise.Length; i++)
            {
                if (noise[i] == FrameDecoder.StartOfMessage)
                {
                    noise[i] = 0x00;
                }
            }

            bytes = [.. noise, .. bytes];
        }

        return new BusReply(bytes, TimeSpan.FromMilliseconds(faults.SlowReplyMs));
    }
}
