using Coworking.Edge.Osdp.Framing;
using Coworking.Edge.Osdp.SecureChannel;

namespace Coworking.Edge.Osdp.ControlPanel;

/// <summary>One RS-485 bus: its serial port, line speed, timing, and the readers (PDs) on it by address.</summary>
public sealed record OsdpBusOptions
{
    public const int MinBaudRate = 9600;
    public const int MaxBaudRate = 115200;

    /// <summary>Serial device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/....</summary>
    public required string PortName { get; init; }

    /// <summary>9600, 19200, 38400, 57600 or 115200; every reader on the bus must use the same rate.</summary>
    public int BaudRate { get; init; } = 9600;

    /// <summary>How long a PD has to start its reply (OSDP: 200 ms); the line time of the frames is added.</summary>
    public TimeSpan ReplyTimeout { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Consecutive unanswered commands after which a PD is reported offline; each miss is retried until then.</summary>
    public int OfflineAfterMisses { get; init; } = 3;

    public IReadOnlyList<OsdpReaderOptions> Readers { get; init; } = [];

    /// <summary>Shortest time between two polls of the same PD when it has nothing else to do.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How often an offline PD is probed (osdp_ID with sequence number 0).</summary>
    public TimeSpan ReprobeInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Keypad digits separated by a longer pause start a new entry.</summary>
    public TimeSpan KeypadInterDigitTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Wait before reopening the serial port after an error.</summary>
    public TimeSpan ReopenDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Largest frame accepted from a PD; a longer LEN is rejected as oversize.</summary>
    public int MaxFrameLength { get; init; } = OsdpFrameParser.DefaultMaxFrameLength;

    /// <summary>JSON file for keys the edge installs on readers in install mode; null keeps them in memory only.</summary>
    public string? KeyStorePath { get; init; }

    /// <summary>Directory for a pcap capture of the bus traffic; null disables capture.</summary>
    public string? CaptureDirectory { get; init; }

    /// <summary>A capture stops at this size.</summary>
    public long CaptureMaxBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>Throws <see cref="ArgumentException"/> naming every setting that cannot work.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(PortName))
        {
            problems.Add("PortName is required");
        }

        if (BaudRate is not (9600 or 19200 or 38400 or 57600 or 115200))
        {
            problems.Add($"BaudRate {BaudRate} is not one of 9600, 19200, 38400, 57600, 115200");
        }

        if (ReplyTimeout <= TimeSpan.Zero || PollInterval <= TimeSpan.Zero || ReprobeInterval <= TimeSpan.Zero || KeypadInterDigitTimeout <= TimeSpan.Zero || ReopenDelay <= TimeSpan.Zero)
        {
            problems.Add("ReplyTimeout, PollInterval, ReprobeInterval, KeypadInterDigitTimeout and ReopenDelay must be positive");
        }

        if (OfflineAfterMisses < 1)
        {
            problems.Add("OfflineAfterMisses must be at least 1");
        }

        if (MaxFrameLength is < 64 or > ushort.MaxValue)
        {
            problems.Add("MaxFrameLength must be 64-65535");
        }

        foreach (var reader in Readers)
        {
            if (reader.Address > 0x7E)
            {
                problems.Add($"reader address {reader.Address} is outside 0-126 (127 is broadcast)");
            }

            if (string.IsNullOrWhiteSpace(reader.DoorId))
            {
                problems.Add($"reader {reader.Address} has no DoorId");
            }

            if (reader.Scbk is not null && !OsdpCrypto.TryParseKey(reader.Scbk, out _))
            {
                problems.Add($"reader {reader.Address} Scbk must be 32 hex digits");
            }

            if (reader.Scbk is not null && !reader.SecureChannel)
            {
                problems.Add($"reader {reader.Address} has an Scbk but SecureChannel is off");
            }
        }

        foreach (var duplicate in Readers.GroupBy(r => r.Address).Where(g => g.Count() > 1))
        {
            problems.Add($"reader address {duplicate.Key} is configured more than once");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"OSDP bus {PortName}: {string.Join("; ", problems)}.");
        }
    }
}

/// <summary>
/// One reader (PD) on a bus. With <see cref="SecureChannel"/> on and <see cref="Scbk"/> set, the edge opens the
/// secure channel with that key. With <see cref="Scbk"/> null the reader is in install mode: the edge connects
/// with SCBK-D, gives the reader a fresh random key of its own (osdp_KEYSET, saved first in the key store) and
/// reconnects with it; later contacts try the stored key first.
/// </summary>
public sealed record OsdpReaderOptions
{
    public required byte Address { get; init; }

    /// <summary>The hub's id of the door this reader serves.</summary>
    public required string DoorId { get; init; }

    public bool SecureChannel { get; init; }

    /// <summary>Secure channel base key, 32 hex digits; null = install mode.</summary>
    public string? Scbk { get; init; }

    public override string ToString() =>
        $"OsdpReaderOptions {{ Address = {Address}, DoorId = {DoorId}, SecureChannel = {SecureChannel}, Scbk = {(Scbk is null ? "none" : "set")} }}";
}
