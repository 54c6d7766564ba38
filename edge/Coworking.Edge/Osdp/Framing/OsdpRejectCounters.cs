namespace Coworking.Edge.Osdp.Framing;

/// <summary>Thread-safe reject counts by reason, shared by the parser and the control panel of one bus.</summary>
public sealed class OsdpRejectCounters
{
    private static readonly OsdpRejectReason[] Reasons = Enum.GetValues<OsdpRejectReason>();
    private readonly long[] counts = new long[Reasons.Length];

    public long this[OsdpRejectReason reason] => Interlocked.Read(ref counts[(int)reason]);

    public long Total
    {
        get
        {
            long total = 0;
            for (var i = 0; i < counts.Length; i++)
            {
                total += Interlocked.Read(ref counts[i]);
            }

            return total;
        }
    }

    public void Count(OsdpRejectReason reason) => Interlocked.Increment(ref counts[(int)reason]);

    /// <summary>Every reason with its count, zeros included, so a status page always shows the same rows.</summary>
    public IReadOnlyDictionary<OsdpRejectReason, long> Snapshot() => Reasons.ToDictionary(r => r, r => this[r]);
}
