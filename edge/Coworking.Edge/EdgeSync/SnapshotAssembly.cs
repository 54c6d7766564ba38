using Coworking.Proto.V1;
using Google.Protobuf;

namespace Coworking.Edge.EdgeSync;

/// <summary>
/// Collects a snapshot's chunks until the last one. Each chunk is kept in its wire form (a fraction of
/// the memory of parsed messages) and parsed again only while the cache applies it, so a snapshot of
/// 100,000 credentials fits a small edge. Chunks out of order end the stream: a new one starts a new snapshot.
/// </summary>
internal sealed class SnapshotAssembly
{
    private List<byte[]>? _chunks;
    private long _seq;
    private string _locationId = "";

    /// <summary>Changes received of the snapshot in progress.</summary>
    public long Changes { get; private set; }

    /// <summary>Adds a chunk; returns the whole snapshot when this was its last chunk.</summary>
    public Complete? Add(SnapshotChunk chunk)
    {
        if (chunk.Index == 0)
        {
            _chunks = [];
            _seq = chunk.Seq;
            _locationId = chunk.LocationId;
            Changes = 0;
        }

        if (_chunks is null || chunk.Index != _chunks.Count || chunk.Seq != _seq || chunk.LocationId != _locationId)
        {
            throw new SyncProtocolException($"snapshot chunk {chunk.Index} for seq {chunk.Seq} does not follow the chunks received");
        }

        _chunks.Add(chunk.ToByteArray());
        Changes += chunk.Changes.Count;
        if (!chunk.Last)
        {
            return null;
        }

        var complete = new Complete(_locationId, _seq, Changes, _chunks);
        _chunks = null;
        Changes = 0;
        return complete;
    }

    public sealed record Complete(string LocationId, long Seq, long Count, IReadOnlyList<byte[]> Chunks)
    {
        public IEnumerable<Change> ReadChanges() => Chunks.SelectMany(bytes => SnapshotChunk.Parser.ParseFrom(bytes).Changes);
    }
}
