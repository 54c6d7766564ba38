using System.Globalization;
using Coworking.Proto.V1;
using Google.Protobuf;
using LiteDB;
using Microsoft.Extensions.Logging;

namespace Coworking.Edge.Cache;

public enum ApplyOutcome
{
    /// <summary>The batch is applied, on disk, and deciding.</summary>
    Applied,

    /// <summary>Every change of the batch was applied before; nothing changed.</summary>
    AlreadyApplied,

    /// <summary>The batch starts after a seq the cache never saw; ask the hub again from <see cref="ApplyResult.AppliedSeq"/>.</summary>
    Gap,

    /// <summary>The batch itself is malformed (seqs out of order, another location); counted, logged, not applied.</summary>
    Invalid,
}

/// <param name="RejectedChanges">Changes in an applied batch that were unusable and skipped (logged with their seq).</param>
public sealed record ApplyResult(ApplyOutcome Outcome, long AppliedSeq, int RejectedChanges = 0);

/// <summary>
/// What the edge knows from its location's change log: one LiteDB file with the location, doors,
/// holders, credentials, grants and the last applied seq. Each batch is one transaction together with
/// its seq and is on disk before <see cref="Apply"/> returns; decisions read <see cref="Index"/>, an
/// immutable picture swapped in by one reference write, so they never wait for a batch.
/// </summary>
public sealed class GrantCache : IDisposable
{
    private const string Locations = "location";
    private const string Doors = "doors";
    private const string Holders = "holders";
    private const string Credentials = "credentials";
    private const string Grants = "grants";
    private const string Meta = "meta";

    // A snapshot is kept as packs of changes (one document per pack, cheap to write and to read), and
    // what changed since then as one document per entity over them; a door or grant of the packs that is
    // removed later gets a tombstone document, so it stays removed when the cache is opened again.
    private const string Base = "base";
    private const int BasePack = 2000;
    private const string StateId = "state";

    private readonly string? _path;
    private readonly ILogger<GrantCache> _log;
    private LiteDbFile _file;
    private HashSet<string> _baseDoors = new(StringComparer.Ordinal);
    private HashSet<string> _baseGrants = new(StringComparer.Ordinal);
    private readonly Lock _writer = new();
    private CacheIndex _index;
    private long _rejectedChanges;

    private GrantCache(LiteDbFile file, string? path, string cacheId, CacheIndex index, ILogger<GrantCache> log)
    {
        _file = file;
        _path = path;
        CacheId = cacheId;
        _index = index;
        _log = log;
    }

    /// <summary>Made when the file is created: a new id tells the hub this is a cache it has never fed.</summary>
    public string CacheId { get; }

    /// <summary>The current picture; read it once per decision.</summary>
    public CacheIndex Index => Volatile.Read(ref _index);

    public long AppliedSeq => Index.Seq;

    /// <summary>Changes skipped as unusable since the cache was opened.</summary>
    public long RejectedChanges => Interlocked.Read(ref _rejectedChanges);

    /// <summary>
    /// Opens (or creates) the cache. A file LiteDB cannot read is moved aside as
    /// "*.corrupt-&lt;time&gt;" and the cache starts empty, so the hub sends a snapshot.
    /// </summary>
    public static GrantCache Open(string path, TimeProvider time, ILogger<GrantCache> log)
    {
        try
        {
            return Load(path, log);
        }
        catch (Exception ex) when (ex is LiteException or InvalidProtocolBufferException)
        {
            var suffix = ".corrupt-" + time.GetUtcNow().ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
            log.LogError(ex, "Grant cache {Path} is unreadable; moved aside with suffix {Suffix}, starting empty", path, suffix);
            File.Move(path, path + suffix);
            var logPath = LiteDbFile.LogPathOf(path);
            if (File.Exists(logPath))
            {
                File.Move(logPath, logPath + suffix);
            }

            return Load(path, log);
        }
    }

    /// <summary>Applies a batch of the change log atomically with its seq.</summary>
    public ApplyResult Apply(ChangeBatch batch)
    {
        lock (_writer)
        {
            var current = Index;
            if (InvalidBatch(batch, current) is { } problem)
            {
                return Refuse(batch, current, problem);
            }

            if (batch.LastSeq <= current.Seq)
            {
                return new ApplyResult(ApplyOutcome.AlreadyApplied, current.Seq);
            }

            var fresh = batch.Changes.Where(c => c.Seq > current.Seq).ToList();
            if (fresh.Count == 0 || fresh[0].Seq != current.Seq + 1)
            {
                _log.LogWarning("Change batch for seq {First}..{Last} leaves a gap after applied seq {Applied}",
                    fresh.FirstOrDefault()?.Seq ?? batch.LastSeq, batch.LastSeq, current.Seq);
                return new ApplyResult(ApplyOutcome.Gap, current.Seq);
            }

            return Commit(current.ToBuilder(), fresh, batch, replaceAll: false);
        }
    }

    /// <summary>
    /// Replaces everything with a snapshot of the location that ends at <c>last_seq</c> (per-change seqs
    /// are not used). The hub sends one when the cache is new, lost, or further behind than its log.
    /// </summary>
    public ApplyResult ApplySnapshot(ChangeBatch snapshot) => ApplySnapshot(snapshot.LocationId, snapshot.LastSeq, snapshot.Changes);

    /// <summary>
    /// Replaces everything with the snapshot's changes, read once from <paramref name="changes"/> (so a large
    /// snapshot can be parsed chunk by chunk as it is applied), together with <paramref name="seq"/>.
    /// A cache opened from a path writes the snapshot into a new file as packs of 2,000 changes (one LiteDB
    /// document each: writing 300,000 small documents costs LiteDB seconds, 150 packs almost nothing) and
    /// swaps it in with one rename once it is durable; a crash at any point leaves either the old cache or
    /// the new one. Later batches are kept as one document per entity over the packs.
    /// </summary>
    public ApplyResult ApplySnapshot(string locationId, long seq, IEnumerable<Change> changes)
    {
        var load = BeginSnapshot(locationId, seq);
        load.Add(changes);
        return load.Complete();
    }

    /// <summary>
    /// Starts a snapshot that ends at <paramref name="seq"/>, to be fed chunk by chunk as it arrives
    /// (<see cref="SnapshotLoad.Add"/>) and applied by <see cref="SnapshotLoad.Complete"/>; until then the
    /// cache is untouched, and a load that is dropped leaves no trace.
    /// </summary>
    public SnapshotLoad BeginSnapshot(string locationId, long seq) => new(this, locationId, seq);

    internal ApplyResult CompleteSnapshot(CacheIndexBuilder builder, string locationId, long seq, int rejected)
    {
        var snapshot = new ChangeBatch { LocationId = locationId, LastSeq = seq };
        lock (_writer)
        {
            var current = Index;
            if (locationId.Length == 0 || (current.LocationId.Length > 0 && current.LocationId != locationId))
            {
                return Refuse(snapshot, current, $"snapshot for location '{locationId}'");
            }

            Interlocked.Add(ref _rejectedChanges, rejected);
            var result = _path is null
                ? Commit(builder, [], snapshot, replaceAll: true)
                : CommitSnapshotFile(_path, builder.Build(seq, locationId));
            return result with { RejectedChanges = rejected };
        }
    }

    internal void LogSkipped(Change change, string? problem) =>
        _log.LogWarning("Snapshot change ({Kind}) skipped: {Problem}", change.KindCase, problem);

    public void Dispose() => _file.Dispose();

    private static GrantCache Load(string path, ILogger<GrantCache> log)
    {
        // A snapshot file left by a crash before it was swapped in is incomplete by definition.
        DeleteFiles(SnapshotPathOf(path));
        return Open(LiteDbFile.Open(path), log, path);
    }

    private static string SnapshotPathOf(string path) => path + ".snapshot";

    private static void DeleteFiles(string path)
    {
        File.Delete(path);
        File.Delete(LiteDbFile.LogPathOf(path));
    }

    /// <summary>Opens the cache on a database already open; takes it over. Without a path, snapshots are applied in place.</summary>
    internal static GrantCache Open(LiteDbFile file, ILogger<GrantCache> log, string? path = null)
    {
        try
        {
            var db = file.Database;
            var state = db.GetCollection(Meta).FindById(StateId);
            var cacheId = state?["cacheId"].AsString;
            if (cacheId is null)
            {
                cacheId = Guid.NewGuid().ToString("N");
                db.GetCollection(Meta).Insert(new BsonDocument { ["_id"] = StateId, ["cacheId"] = cacheId, ["seq"] = 0L, ["locationId"] = "" });
                file.MakeDurable();
            }

            var builder = CacheIndexBuilder.Empty();
            var unusable = 0;
            void Replay(string collection, Func<BsonDocument, IEnumerable<Change>> changes)
            {
                foreach (var doc in db.GetCollection(collection).FindAll())
                {
                    foreach (var change in changes(doc))
                    {
                        if (!builder.TryApply(change, out var problem))
                        {
                            unusable++;
                            log.LogError("Stored {Collection} {Id} is no longer usable: {Problem}", collection, doc["_id"].AsString, problem);
                        }
                    }
                }
            }

            var baseDoors = new HashSet<string>(StringComparer.Ordinal);
            var baseGrants = new HashSet<string>(StringComparer.Ordinal);
            Replay(Base, d => ChangeBatch.Parser.ParseFrom(d["p"].AsBinary).Changes.Select(change =>
            {
                (change.KindCase == Change.KindOneofCase.Door ? baseDoors : change.KindCase == Change.KindOneofCase.Grant ? baseGrants : null)
                    ?.Add(change.Door?.DoorId ?? change.Grant.GrantId);
                return change;
            }));
            Replay(Locations, d => [new Change { Location = LocationUpsert.Parser.ParseFrom(d["p"].AsBinary) }]);
            Replay(Doors, d => IsTombstone(d)
                ? [new Change { DoorRemoved = new DoorRemoved { DoorId = d["_id"].AsString } }]
                : [new Change { Door = DoorUpsert.Parser.ParseFrom(d["p"].AsBinary) }]);
            Replay(Holders, d => [new Change { Holder = HolderUpsert.Parser.ParseFrom(d["p"].AsBinary) }]);
            Replay(Credentials, d => d["revoked"].AsBoolean
                ? [new Change { Credential = CredentialUpsert.Parser.ParseFrom(d["p"].AsBinary) },
                   new Change { CredentialRevoked = new CredentialRevoked { CredentialId = d["_id"].AsString } }]
                : [new Change { Credential = CredentialUpsert.Parser.ParseFrom(d["p"].AsBinary) }]);
            Replay(Grants, d => IsTombstone(d)
                ? [new Change { GrantRemoved = new GrantRemoved { GrantId = d["_id"].AsString } }]
                : [new Change { Grant = GrantUpsert.Parser.ParseFrom(d["p"].AsBinary) }]);

            var index = builder.Build(state?["seq"].AsInt64 ?? 0, state?["locationId"].AsString ?? "");
            var cache = new GrantCache(file, path, cacheId, index, log) { _rejectedChanges = unusable, _baseDoors = baseDoors, _baseGrants = baseGrants };
            log.LogInformation("Grant cache {CacheId} open at seq {Seq}: {Credentials} credentials, {Grants} grants, {Doors} doors",
                cacheId, index.Seq, index.CredentialCount, index.GrantCount, index.Doors.Count);
            return cache;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static string? InvalidBatch(ChangeBatch batch, CacheIndex current)
    {
        if (batch.LocationId.Length == 0 || (current.LocationId.Length > 0 && batch.LocationId != current.LocationId))
        {
            return $"batch for location '{batch.LocationId}'";
        }

        var previous = 0L;
        foreach (var change in batch.Changes)
        {
            if (change.Seq <= previous)
            {
                return $"seq {change.Seq} after {previous}";
            }

            previous = change.Seq;
        }

        return batch.Changes.Count > 0 && previous != batch.LastSeq
            ? $"last change seq {previous} but last_seq {batch.LastSeq}"
            : null;
    }

    private ApplyResult Refuse(ChangeBatch batch, CacheIndex current, string problem)
    {
        Interlocked.Increment(ref _rejectedChanges);
        _log.LogWarning("Change batch ending at seq {LastSeq} refused: {Problem}", batch.LastSeq, problem);
        return new ApplyResult(ApplyOutcome.Invalid, current.Seq);
    }

    private ApplyResult Commit(CacheIndexBuilder builder, IEnumerable<Change> changes, ChangeBatch batch, bool replaceAll)
    {
        var rejected = 0;
        foreach (var change in changes)
        {
            if (!builder.TryApply(change, out var problem))
            {
                rejected++;
                _log.LogWarning("Change seq {Seq} ({Kind}) skipped: {Problem}", change.Seq, change.KindCase, problem);
            }
        }

        var next = builder.Build(batch.LastSeq, batch.LocationId);
        Persist(builder, next, replaceAll);
        Volatile.Write(ref _index, next);
        Interlocked.Add(ref _rejectedChanges, rejected);
        return new ApplyResult(ApplyOutcome.Applied, next.Seq, rejected);
    }

    private ApplyResult CommitSnapshotFile(string path, CacheIndex next)
    {
        var snapshotPath = SnapshotPathOf(path);
        DeleteFiles(snapshotPath);
        using (var file = LiteDbFile.Open(snapshotPath))
        {
            var db = file.Database;
            var pack = 0;
            foreach (var chunk in SnapshotChanges(next).Chunk(BasePack))
            {
                var packed = new ChangeBatch { Changes = { chunk } };
                db.GetCollection(Base).Insert(new BsonDocument { ["_id"] = pack++, ["p"] = packed.ToByteArray() });
            }

            db.GetCollection(Meta).Insert(new BsonDocument { ["_id"] = StateId, ["cacheId"] = CacheId, ["seq"] = next.Seq, ["locationId"] = next.LocationId });
            file.MakeDurable();
        }

        // The current file is durable (every commit is checkpointed, and closing checkpoints again), so its
        // log is empty and the data file alone is the old cache until the rename makes the new one current.
        _file.Dispose();
        File.Delete(LiteDbFile.LogPathOf(path));
        File.Move(snapshotPath, path, overwrite: true);
        File.Delete(LiteDbFile.LogPathOf(snapshotPath));
        _file = LiteDbFile.Open(path);
        _baseDoors = [.. next.Doors.Select(d => d.DoorId)];
        _baseGrants = [.. next.Grants.Select(g => g.Id)];
        Volatile.Write(ref _index, next);
        return new ApplyResult(ApplyOutcome.Applied, next.Seq);
    }

    /// <summary>Everything the index holds, as the changes that would build it again.</summary>
    private static IEnumerable<Change> SnapshotChanges(CacheIndex index)
    {
        if (index.Location is { } location)
        {
            yield return new Change { Location = location.Source };
        }

        foreach (var door in index.Doors)
        {
            yield return new Change { Door = door.Source };
        }

        foreach (var holder in index.Holders)
        {
            yield return new Change { Holder = holder.Source };
        }

        foreach (var credential in index.Credentials)
        {
            yield return new Change { Credential = credential.Source };
            if (credential.Revoked)
            {
                yield return new Change { CredentialRevoked = new CredentialRevoked { CredentialId = credential.Id } };
            }
        }

        foreach (var grant in index.Grants)
        {
            yield return new Change { Grant = grant.Source };
        }
    }

    private static bool IsTombstone(BsonDocument document) => document.TryGetValue("removed", out var removed) && removed.AsBoolean;

    private void Persist(CacheIndexBuilder changes, CacheIndex next, bool replaceAll)
    {
        var db = _file.Database;
        if (!db.BeginTrans())
        {
            throw new InvalidOperationException("A grant cache transaction is already open on this thread.");
        }

        try
        {
            if (replaceAll)
            {
                foreach (var name in new[] { Base, Locations, Doors, Holders, Credentials, Grants })
                {
                    db.GetCollection(name).DeleteAll();
                }

                _baseDoors = new HashSet<string>(StringComparer.Ordinal);
                _baseGrants = new HashSet<string>(StringComparer.Ordinal);
            }

            if (changes.LocationTouched && next.Location is { } location)
            {
                db.GetCollection(Locations).DeleteAll();
                db.GetCollection(Locations).Insert(Document(location.LocationId, location.Source));
            }

            Store(db.GetCollection(Doors), changes.TouchedDoors, replaceAll,
                id => next.TryGetDoor(id, out var d) ? Document(id, d.Source) : _baseDoors.Contains(id) ? Tombstone(id) : null);
            Store(db.GetCollection(Holders), changes.TouchedHolders, replaceAll,
                id => next.TryGetHolder(id, out var h) ? Document(id, h.Source) : null);
            Store(db.GetCollection(Credentials), changes.TouchedCredentials, replaceAll,
                id => next.TryGetCredential(id, out var c) ? Document(id, c.Source, c.Revoked) : null);
            Store(db.GetCollection(Grants), changes.TouchedGrants, replaceAll,
                id => next.TryGetGrant(id, out var g) ? Document(id, g.Source) : _baseGrants.Contains(id) ? Tombstone(id) : null);
            var state = db.GetCollection(Meta).FindById(StateId);
            state["seq"] = next.Seq;
            state["locationId"] = next.LocationId;
            db.GetCollection(Meta).Update(state);
            db.Commit();
        }
        catch
        {
            db.Rollback();
            throw;
        }

        _file.MakeDurable();
    }

    private static void Store(ILiteCollection<BsonDocument> collection, IEnumerable<string> touched, bool fresh, Func<string, BsonDocument?> current)
    {
        var documents = new List<BsonDocument>();
        foreach (var id in touched)
        {
            if (current(id) is { } document)
            {
                documents.Add(document);
            }
            else if (!fresh)
            {
                collection.Delete(id);
            }
        }

        if (fresh)
        {
            collection.InsertBulk(documents);
        }
        else
        {
            collection.Upsert(documents);
        }
    }

    private static BsonDocument Tombstone(string id) => new() { ["_id"] = id, ["removed"] = true };

    private static BsonDocument Document(string id, IMessage source, bool? revoked = null)
    {
        var document = new BsonDocument { ["_id"] = id, ["p"] = source.ToByteArray() };
        if (revoked is { } value)
        {
            document["revoked"] = value;
        }

        return document;
    }
}
