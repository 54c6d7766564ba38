using System.Buffers.Binary;

namespace Coworking.Edge.Osdp.Capture;

/// <summary>
/// Writes OSDP traffic as a classic pcap file (microsecond timestamps, link type LINKTYPE_USER0 = 147) that
/// Wireshark and tshark open with the public OSDP dissector (libosdp's osdp_dissector.lua, docs/OSDP.md §7):
/// each packet is exactly one frame's bytes as on the wire, with no pseudo-header; the dissector tells a command
/// from a reply by the reply bit of the address, as the bus does. Bytes the parser rejected are written as they
/// came (garbage, a frame with a bad check) so the capture shows the line as it was; why each was rejected is on
/// the status page. It stops at the size limit rather than fill the disk, and on a write error rather than
/// disturb the bus; either way it says so once.
/// </summary>
public sealed class OsdpPcapWriter : IDisposable
{
    public const uint LinkTypeUser0 = 147;
    private const int GlobalHeaderLength = 24;
    private const int RecordHeaderLength = 16;
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

    /// <summary>The file this capture writes, when it writes one.</summary>
    public string? Path { get; private init; }

    /// <summary>Creates <c>osdp-{port}-{utc time}.pcap</c> in <paramref name="directory"/> (readable by the edge's user only: it may hold card data).</summary>
    public static OsdpPcapWriter Create(string directory, string portName, TimeProvider time, long maxBytes, Action<string>? stopped = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentException.ThrowIfNullOrEmpty(portName);
        Directory.CreateDirectory(directory);
        var path = System.IO.Path.Combine(directory, $"osdp-{SafeName(portName)}-{time.GetUtcNow():yyyyMMdd-HHmmss-fff}.pcap");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new OsdpPcapWriter(new FileStream(path, options), time, maxBytes, stopped) { Path = path };
    }

    /// <summary>A port name as it appears in file names: "/dev/ttyUSB0" → "dev_ttyUSB0".</summary>
    public static string SafeName(string portName)
    {
        ArgumentNullException.ThrowIfNull(portName);
        return string.Concat(portName.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')).Trim('_');
    }

    /// <summary>One packet: the bytes of one frame (or one run of rejected bytes) as they were on the wire.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        lock (gate)
        {
            var recordLength = RecordHeaderLength + bytes.Length;
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
            Span<byte> header = stackalloc byte[RecordHeaderLength];
            BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)(microseconds / 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(microseconds % 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)bytes.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)bytes.Length);
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

    public void Dispose()
    {
        lock (gate)
        {
            Full = true;
            stream.Dispose();
        }
    }

    private void Stop(string why)
    {
        Full = true;
        stopped?.Invoke(why);
    }
}
