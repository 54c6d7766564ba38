using Coworking.Edge.Osdp.Framing;
using Coworking.Edge.Osdp.Replies;

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
    public long RejectedReplies;
    public long BadChecks;
    public long BadSecurityBlocks;
    public long BadMacs;
    public long BadReplies;
    public long WrongKey;
    private readonly long[] naksByCode = new long[256];

    public void CountNak(NakError error) => Interlocked.Increment(ref naksByCode[(byte)error]);

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
        Interlocked.Read(ref SecureChannelFailures),
        Interlocked.Read(ref RejectedReplies),
        Interlocked.Read(ref BadChecks),
        Interlocked.Read(ref BadSecurityBlocks),
        Interlocked.Read(ref BadMacs),
        Interlocked.Read(ref BadReplies),
        Interlocked.Read(ref WrongKey),
        NaksByCode());

    private Dictionary<string, long> NaksByCode()
    {
        var counts = new Dictionary<string, long>();
        for (var code = 0; code < naksByCode.Length; code++)
        {
            if (Interlocked.Read(ref naksByCode[code]) is > 0 and var count)
            {
                counts[OsdpNames.Nak((NakError)code)] = count;
            }
        }

        return counts;
    }
}
