using Coworking.Edge.Osdp.Framing;

namespace Coworking.Edge.Osdp.ControlPanel;

/// <summary>Bus counters, incremented by the bus loop and read by the status page from any thread.</summary>
internal sealed class OsdpBusCounters
{
    public long FramesSent;
    public long FramesReceived;
    public long BytesSent;
    public long BytesReceived;
    public long Naks;
    public long Timeouts;
    public long Retries;
    public long Busy;
    public long RejectedCardReads;
    public long PortErrors;

    public OsdpRejectCounters Rejects { get; } = new();

    public OsdpBusCountersSnapshot Snapshot() => new(
        Interlocked.Read(ref FramesSent),
        Interlocked.Read(ref FramesReceived),
        Interlocked.Read(ref BytesSent),
        Interlocked.Read(ref BytesReceived),
        Interlocked.Read(ref Naks),
        Interlocked.Read(ref Timeouts),
        Interlocked.Read(ref Retries),
        Interlocked.Read(ref Busy),
        Interlocked.Read(ref RejectedCardReads),
        Interlocked.Read(ref PortErrors),
        Rejects.Total,
        Rejects.Snapshot());
}

/// <summary>Counters of one reader.</summary>
internal sealed class PdCounters
{
    public long Commands;
    public long Replies;
    public long Naks;
    public long Timeouts;
    public long Retries;
    public long CardReads;
    public long RejectedCardReads;
    public long KeypadEntries;
    public long OfflineTransitions;
    public long SecureChannelFailures;

    public PdCountersSnapshot Snapshot() => new(
        Interlocked.Read(ref Commands),
        Interlocked.Read(ref Replies),
        Interlocked.Read(ref Naks),
        Interlocked.Read(ref Timeouts),
        Interlocked.Read(ref Retries),
        Interlocked.Read(ref CardReads),
        Interlocked.Read(ref RejectedCardReads),
        Interlocked.Read(ref KeypadEntries),
        Interlocked.Read(ref OfflineTransitions),
        Interlocked.Read(ref SecureChannelFailures));
}
