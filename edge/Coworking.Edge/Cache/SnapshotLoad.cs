using Coworking.Proto.V1;
using LiteDB;

namespace Coworking.Edge.Cache;

/// <summary>
/// A snapshot being received: each chunk goes into the new index and, serialized again, into packs of the
/// new file as it arrives, so the edge holds the index it is building and one chunk, never the snapshot
/// twice nor the hub's messages. Nothing reaches the cache before <see cref="Complete"/>, which makes the
/// new file durable and swaps it and the new index in, in one step
/// (<see cref="GrantCache.BeginSnapshot(string, long, string)"/>). Disposing a load that did not complete drops it.
/// </summary>
public sealed class SnapshotLoad : IDisposable
{
    private const string Base = "base";
    /// <summary>
    /// Packs (up to 80,000 bytes each) between checkpoints of the new file. LiteDB keeps every page a commit wrote
    /// in its cache until a checkpoint moves them into the data file, growing the cache in segments of up to 1,000
    /// pages (8 MB arrays); checkpointing every few packs (no sync: the file is scratch until it completes) lets it
    /// reuse its first pages instead: 13 MiB of large-object heap less for 100,000 members (docs/BENCHMARKS.md).
    /// </summary>
    private const int CheckpointEvery = 8;

    private readonly GrantCache _cache;
    private readonly CacheIndexBuilder _builder = CacheIndexBuilder.Empty();
    private readonly ChangePacks _packs = new();
    private readonly List<byte[]> _heldPacks = [];
    private int _nextPack;
    private bool _completed;
    private bool _abandoned;

    internal SnapshotLoad(GrantCache cache, string locationId, long seq, string logEpoch, LiteDbFile? file)
    {
        _cache = cache;
        LocationId = locationId;
        Seq = seq;
        LogEpoch = logEpoch;
        File = file;
    }

    public string LocationId { get; }

    /// <summary>The seq the snapshot ends at.</summary>
    public long Seq { get; }

    /// <summary>The hub's log epoch the snapshot comes from; empty from a hub without epochs.</summary>
    public string LogEpoch { get; }

    /// <summary>Changes received so far.</summary>
    public long Changes { get; private set; }

    /// <summary>The new cache file being written; null for a cache applied in place (no path).</summary>
    internal LiteDbFile? File { get; private set; }

    internal int Rejected { get; private set; }

    internal long Accepted => _packs.Count;

    public void Add(IEnumerable<Change> changes)
    {
        ObjectDisposedException.ThrowIf(_completed || _abandoned, this);
        foreach (var change in changes)
        {
            Changes++;
            if (_builder.TryApply(change, out var problem))
            {
                _packs.Add(change);
            }
            else
            {
                Rejected++;
                _cache.LogSkipped(change, problem);
            }
        }

        if (_packs.Full)
        {
            Store(_packs.Take());
        }
    }

    /// <summary>Replaces the cache with the snapshot, atomically with its seq; a load that fails here is dropped.</summary>
    public ApplyResult Complete()
    {
        ObjectDisposedException.ThrowIf(_completed || _abandoned, this);
        try
        {
            Store(_packs.Take());
            var result = _cache.CompleteSnapshot(this, _builder, _heldPacks);
            _completed = true;
            return result;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The new file is closed and about to become the cache's: nothing of it is the load's to drop any more.</summary>
    internal void Release() => File = null;

    public void Dispose()
    {
        if (!_completed)
        {
            Abandon();
            _cache.Forget(this);
        }
    }

    /// <summary>Drops what was written of the new file.</summary>
    internal void Abandon()
    {
        if (_abandoned)
        {
            return;
        }

        _abandoned = true;
        if (File is { } file)
        {
            var path = file.Path!;
            file.Dispose();
            File = null;
            System.IO.File.Delete(path);
            System.IO.File.Delete(LiteDbFile.LogPathOf(path));
        }

        _heldPacks.Clear();
    }

    private void Store(List<(long FirstSeq, byte[] Pack)> packs)
    {
        foreach (var (_, pack) in packs)
        {

            if (File is { } file)
            {
                file.Database.GetCollection(Base).Insert(new BsonDocument { ["_id"] = _nextPack++, ["p"] = pack });
                if (_nextPack % CheckpointEvery == 0)
                {
                    file.Database.Checkpoint();

                    // A snapshot allocates fast and keeps little of it: collecting the young generation here, rather
                    // than when its budget (sized for throughput) runs out, keeps the peak resident memory of a
                    // 100,000-credential snapshot from about 190 to about 176 MiB at no measurable CPU cost.
                    GC.Collect(0, GCCollectionMode.Forced, blocking: true);
                }
            }
            else
            {
                _heldPacks.Add(pack);
            }
        }
    }
}
