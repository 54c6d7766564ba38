using Coworking.Edge.Cache;
using Coworking.Proto.V1;

namespace Coworking.Edge.EdgeSync;

/// <summary>
/// Follows a snapshot's chunks: the first starts a <see cref="SnapshotLoad"/>, each one goes into it as it
/// arrives, the last completes it. Chunks out of order end the stream; a new stream starts a new snapshot,
/// and the load cut short is dropped with what it had written (the cache never saw it). Every snapshot of the stream
/// comes from the log epoch its Welcome named, kept with the cache as it is applied.
/// </summary>
internal sealed class SnapshotAssembly(GrantCache cache, string logEpoch) : IDisposable
{
    private SnapshotLoad? _load;
    private int _next;

    /// <summary>Changes received of the snapshot in progress.</summary>
    public long Changes => _load?.Changes ?? 0;

    /// <summary>Adds a chunk; returns the load, ready to complete, when this was its last chunk.</summary>
    public SnapshotLoad? Add(SnapshotChunk chunk)
    {
        if (chunk.Index == 0)
        {
            _load?.Dispose();
            _load = cache.BeginSnapshot(chunk.LocationId, chunk.Seq, logEpoch);
            _next = 0;
        }

        if (_load is null || chunk.Index != _next || chunk.Seq != _load.Seq || chunk.LocationId != _load.LocationId)
        {
            throw new SyncProtocolException($"snapshot chunk {chunk.Index} for seq {chunk.Seq} does not follow the chunks received");
        }

        _next++;
        _load.Add(chunk.Changes);
        if (!chunk.Last)
        {
            return null;
        }

        var complete = _load;
        _load = null;
        return complete;
    }

    /// <summary>Drops a snapshot still being received (the stream ended before its last chunk).</summary>
    public void Dispose()
    {
        _load?.Dispose();
        _load = null;
    }
}
