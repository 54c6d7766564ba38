using Coworking.Proto.V1;

namespace Coworking.Edge.Cache;

/// <summary>
/// A snapshot being received: each chunk goes into the new index as it arrives, so the edge holds the
/// index it is building and one chunk, never the whole snapshot twice. Nothing reaches the cache before
/// <see cref="Complete"/>, which writes and swaps in the new cache in one step (<see cref="GrantCache.ApplySnapshot(string, long, IEnumerable{Change})"/>).
/// </summary>
public sealed class SnapshotLoad
{
    private readonly GrantCache _cache;
    private readonly CacheIndexBuilder _builder = CacheIndexBuilder.Empty();
    private int _rejected;
    private bool _completed;

    internal SnapshotLoad(GrantCache cache, string locationId, long seq)
    {
        _cache = cache;
        LocationId = locationId;
        Seq = seq;
    }

    public string LocationId { get; }

    /// <summary>The seq the snapshot ends at.</summary>
    public long Seq { get; }

    /// <summary>Changes received so far.</summary>
    public long Changes { get; private set; }

    public void Add(IEnumerable<Change> changes)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        foreach (var change in changes)
        {
            Changes++;
            if (!_builder.TryApply(change, out var problem))
            {
                _rejected++;
                _cache.LogSkipped(change, problem);
            }
        }
    }

    /// <summary>Replaces the cache with the snapshot, atomically with its seq.</summary>
    public ApplyResult Complete()
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        _completed = true;
        return _cache.CompleteSnapshot(_builder, LocationId, Seq, _rejected);
    }
}
