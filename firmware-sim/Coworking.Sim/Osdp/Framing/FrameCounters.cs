namespace Coworking.Sim.Osdp.Framing;

/// <summary>What the decoder accepted and rejected; read by the status API while the bus loop writes.</summary>
internal sealed class FrameCounters
{
    private long frames;
    private long garbageBytes;
    private long badLength;
    private long badCheck;
    private long malformed;

    public long Frames => Interlocked.Read(ref frames);

    public long GarbageBytes => Interlocked.Read(ref garbageBytes);

    public long BadLength => Interlocked.Read(ref badLength);

    public long BadCheck => Interlocked.Read(ref badCheck);

    public long Malformed => Interlocked.Read(ref malformed);

    public long Rejected => GarbageBytes + BadLength + BadCheck + Malformed;

    internal void CountFrame() => Interlocked.Increment(ref frames);

    internal void CountGarbage(int bytes) => Interlocked.Add(ref garbageBytes, bytes);

    internal void CountBadLength() => Interlocked.Increment(ref badLength);

    internal void CountBadCheck() => Interlocked.Increment(ref badCheck);

    internal void CountMalformed() => Interlocked.Increment(ref malformed);
}
