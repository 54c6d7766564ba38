using System.Buffers.Binary;
using Coworking.Edge.Osdp.Framing;

namespace Coworking.Edge.Osdp.Capture;

/// <summary>What a captured record is: the first byte of each record's two-byte pseudo-header.</summary>
public enum CaptureKind : byte
{
    /// <summary>A frame the control panel sent.</summary>
    Sent = 0,

    /// <summary>A well-formed frame received (its CRC or checksum matched).</summary>
    Received = 1,

    /// <summary>Received bytes the parser rejected; the second pseudo-header byte is the reason.</summary>
    Rejected = 2,
}

/// <summary>
/// Writes OSDP traffic as a classic pcap file (microsecond timestamps, link type LINKTYPE_USER0 = 147) that
/// Wireshark and tshark open. Each record is a two-byte pseudo-header — kind, then the reject reason (0xFF when
/// not rejected) — followed by the bytes as they were on the wire. It stops at the size limit rather than
/// fill the disk, and on a write error rather than disturb the bus; either way it says so once.
/// </summary>
public sealed class OsdpPcapWriter : IDisposable
{
    public const uint LinkTypeUser0 = 147;
    public const byte NoReason = 0xFF;
    private const int GlobalHeaderLength = 24;
    private const int RecordHeaderLength = 16;
    private const int PseudoHeaderLength = 2;
    private readonly Stream stream;
    private readonly TimeProvider time;
    private readonly long maxBytes;
    private readonly Action<string>? stopped;
    private readonly Lock gate = new();
    private long written;

    public OsdpPcapWriter(Stream stream, TimeProvider time, long maxBytes, Action<string>? stopped = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(time);
        this.stream = stream;
        this.time = time;
        this.maxBytes = maxBytes;
        this.stopped = stopped;
        Span<byte> header = stackalloc byte[GlobalHeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xA1B2C3D4);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], ushort.MaxValue);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], LinkTypeUser0);
        stream.Write(header);
        stream.Flush();
        written = GlobalHeaderLength;
    }

    /// <summary>True once the size limit or a write error stopped the capture.</summary>
    public bool Full { get; private set; }

    /// <summary>Creates <c>osdp-{port}-{utc time}.pcap</c> in <paramref name="directory"/>.</summary>
    public static OsdpPcapWriter Create(string directory, string portName, TimeProvider time, long maxBytes, Action<string>? stopped = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentException.ThrowIfNullOrEmpty(portName);
        Directory.CreateDirectory(directory);
        var safePort = string.Concat(portName.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')).Trim('_');
        var path = Path.Combine(directory, $"osdp-{safePort}-{time.GetUtcNow():yyyyMMdd-HHmmss}.pcap");
        return new OsdpPcapWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read), time, maxBytes, stopped);
    }

    public void Write(CaptureKind kind, ReadOnlySpan<byte> bytes, OsdpRejectReason? reason = null)
    {
        lock (gate)
        {
            var recordLength = RecordHeaderLength + PseudoHeaderLength + bytes.Length;
            if (Full)
            {
                return;
            }

            if (written + recordLength > maxBytes)
            {
                Stop($"the capture reached its size limit of {maxBytes} bytes");
                return;
            }

            var now = time.GetUtcNow();
            var microseconds = now.ToUnixTimeMilliseconds() * 1000 + (now.Ticks % TimeSpan.TicksPerMillisecond / 10);
            Span<byte> header = stackalloc byte[RecordHeaderLength + PseudoHeaderLength];
            BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)(microseconds / 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(microseconds % 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)(PseudoHeaderLength + bytes.Length));
            BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)(PseudoHeaderLength + bytes.Length));
            header[16] = (byte)kind;
            header[17] = reason is { } r ? (byte)r : NoReason;
            try
            {
                stream.Write(header);
                stream.Write(bytes);
                stream.Flush();
                written += recordLength;
            }
            catch (IOException e)
            {
                Stop($"the capture could not be written: {e.Message}");
            }
        }
    }

    public void Dispose() => stream.Dispose();

    private void Stop(string why)
    {
        Full = true;
        stopped?.Invoke(why);
    }
}
