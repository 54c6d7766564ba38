using System.Globalization;
using System.Runtime;
using Coworking.Proto.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
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
/// What the edge knows from its location's change log: one LiteDB file with the changes that make up the
/// index and the last applied seq. Each batch is one transaction together with its seq and is on disk
/// before <see cref="Apply"/> returns; decisions read <see cref="Index"/>, an immutable picture swapped in
/// by one reference write, so they never wait for a batch.
/// </summary>
/// <remarks>
/// The file holds changes, never per-entity documents (LiteDB spends 35–45 µs per small document): a
/// snapshot as "base" packs of up to 2,000 changes, and each applied batch after it as one "delta" pack
/// (more for a large one) keyed by its first seq. Opening replays the base, then the deltas in seq order.
/// When the deltas have grown to half the base (at least 20,000 changes) the file is written anew from the
/// index, like a snapshot, so reopening never replays much more than the cache holds. Files of the format
/// before this (one document per entity over the packs) are still read, and replaced at that rewrite.
/// </remarks>
public sealed class GrantCache : IDisposable
{
    private const string Base = "base";
    private const string Delta = "delta";
    private const string Meta = "meta";
    private const string StateId = "state";
    private const int Format = 2;

    // Written by the format before this one: read, never written.
    private const string LegacyLocations = "location";
    private const string LegacyDoors = "doors";
    private const string LegacyHolders = "holders";
    private const string LegacyCredentials = "credentials";
    private const string LegacyGrants = "grants";

    private readonly string? _path;
    private readonly ILogger<GrantCache> _log;
    private readonly Lock _writer = new();
    private LiteDbFile _file;
    private CacheIndex _index;
    private long _rejectedChanges;
    private long _baseChanges;
    private long _deltaChanges;
    private SnapshotLoad? _load;
    private bool _disposed;
    private string _logEpoch;

    private GrantCache(LiteDbFile file, string? path, string cacheId, string logEpoch, CacheIndex index, ILogger<GrantCache> log)
    {
        _file = file;
        _path = path;
        CacheId = cacheId;
        _logEpoch = logEpoch;
        _index = index;
        _log = log;
    }

    /// <summary>Made when the file is created: a new id tells the hub this is a cache it has never fed.</summary>
    public string CacheId { get; }

    /// <summary>The current picture; read it once per decision.</summary>
    public CacheIndex Index => Volatile.Read(ref _index);

    public long AppliedSeq => Index.Seq;

    /// <summary>
    /// The epoch of the hub's change log the applied seq belongs to (docs/SYNC.md), kept with it; empty until a hub that
    /// has epochs was followed. After a restore the hub's log has a new one, and the edge naming the old one gets a snapshot.
    /// </summary>
    public string LogEpoch => Volatile.Read(ref _logEpoch);

    /// <summary>Changes skipped as unusable since the cache was opened.</summary>
    public long RejectedChanges => Interlocked.Read(ref _rejectedChanges);

    /// <summary>
    /// The file is rewritten from the index once the batches applied since its base hold this many changes
    /// and at least half as many as the base (tests set it low to exercise the rewrite).
    /// </summary>
    public int RewriteAfterChanges { get; set; } = 20_000;

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
                return Refuse(batch.LastSeq, current, problem);
            }

            if (batch.LastSeq <= current.Seq)
            {
                return new ApplyResult(ApplyOutcome.AlreadyApplied, current.Seq);
            }

            var first = 0;
            while (first < batch.Changes.Count && batch.Changes[first].Seq <= current.Seq)
            {
                first++;
            }

            if (first == batch.Changes.Count || batch.Changes[first].Seq != current.Seq + 1)
            {
                _log.LogWarning("Change batch for seq {First}..{Last} leaves a gap after applied seq {Applied}",
                    first < batch.Changes.Count ? batch.Changes[first].Seq : batch.LastSeq, batch.LastSeq, current.Seq);
                return new ApplyResult(ApplyOutcome.Gap, current.Seq);
            }

            return Commit(current, batch, first);
        }
    }

    /// <summary>
    /// Replaces everything with a snapshot of the location that ends at <c>last_seq</c> (per-change seqs
    /// are not used). The hub sends one when the cache is new, lost, or further behind than its log.
    /// </summary>
    public ApplyResult ApplySnapshot(ChangeBatch snapshot) => ApplySnapshot(snapshot.LocationId, snapshot.LastSeq, snapshot.Changes);

    /// <summary>
    /// Replaces everything with the snapshot's changes, read once from <paramref name="changes"/>, together
    /// with <paramref name="seq"/>; see <see cref="BeginSnapshot"/>.
    /// </summary>
    public ApplyResult ApplySnapshot(string locationId, long seq, IEnumerable<Change> changes)
    {
        using var load = BeginSnapshot(locationId, seq);
        load.Add(changes);
        return load.Complete();
    }

    /// <summary>
    /// Starts a snapshot that ends at <paramref name="seq"/>, to be fed chunk by chunk as it arrives
    /// (<see cref="SnapshotLoad.Add"/>) and applied by <see cref="SnapshotLoad.Complete"/>. Each chunk goes
    /// into a new index and, for a cache opened from a path, into a new file beside the cache as packs of
    /// changes, so the edge never holds the snapshot twice; completing makes that file durable and swaps it
    /// in with one rename. Until then the cache is untouched; a crash at any point leaves either the old
    /// cache or the new one, and a load that is dropped (or replaced by a new one) leaves no trace.
    /// </summary>
    /// <param name="logEpoch">The log epoch the snapshot comes from, kept with the cache once it is applied; empty keeps the one the cache has.</param>
    public SnapshotLoad BeginSnapshot(string locationId, long seq, string logEpoch = "")
    {
        lock (_writer)
        {
            _load?.Abandon();
            SnapshotLoad load;
            if (_path is null)
            {
                load = new SnapshotLoad(this, locationId, seq, logEpoch, file: null);
            }
            else
            {
                var snapshotPath = SnapshotPathOf(_path);
                DeleteFiles(snapshotPath);
                load = new SnapshotLoad(this, locationId, seq, logEpoch, LiteDbFile.OpenScratch(snapshotPath));
            }

            _load = load;
            return load;
        }
    }

    internal ApplyResult CompleteSnapshot(SnapshotLoad load, CacheIndexBuilder builder, IReadOnlyList<byte[]> heldPacks)
    {
        lock (_writer)
        {
            if (!ReferenceEquals(_load, load))
            {
                throw new InvalidOperationException("a newer snapshot load replaced this one");
            }

            var current = Index;
            if (load.LocationId.Length == 0 || (current.LocationId.Length > 0 && current.LocationId != load.LocationId))
            {
                _load = null;
                load.Abandon();
                return Refuse(load.Seq, current, $"snapshot for location '{load.LocationId}'");
            }

            Interlocked.Add(ref _rejectedChanges, load.Rejected);
            var next = builder.Build(load.Seq, load.LocationId);
            var epoch = load.LogEpoch.Length > 0 ? load.LogEpoch : LogEpoch;
            if (load.File is { } file)
            {
                WriteState(file.Database, next, epoch);
                file.MakeDurable();
                file.Dispose();
                load.Release();
                SwapIn(SnapshotPathOf(_path!));
            }
            else
            {
                ReplaceInPlace(next, heldPacks.Select(p => new BsonDocument { ["p"] = p }), epoch);
            }

            Volatile.Write(ref _logEpoch, epoch);
            _load = null;
            _baseChanges = load.Accepted;
            _deltaChanges = 0;
            Volatile.Write(ref _index, next);
            return new ApplyResult(ApplyOutcome.Applied, next.Seq, load.Rejected);
        }
    }

    /// <summary>
    /// Keeps <paramref name="logEpoch"/> as the epoch of the applied seq: the hub let the edge resume from it in that
    /// epoch. Empty (a hub without epochs) keeps the one the cache has.
    /// </summary>
    public void KeepLogEpoch(string logEpoch)
    {
        lock (_writer)
        {
            if (logEpoch.Length == 0 || logEpoch == LogEpoch)
            {
                return;
            }

            WriteState(_file.Database, Index, logEpoch);
            _file.MakeDurable();
            Volatile.Write(ref _logEpoch, logEpoch);
        }
    }

    internal void Forget(SnapshotLoad load)
    {
        lock (_writer)
        {
            if (ReferenceEquals(_load, load))
            {
                _load = null;
            }
        }
    }

    internal void LogSkipped(Change change, string? problem) =>
        _log.LogWarning("Snapshot change ({Kind}) skipped: {Problem}", change.KindCase, problem);

    public void Dispose()
    {
        lock (_writer)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _load?.Abandon();
            _load = null;
            _file.Dispose();
        }
    }

    private static GrantCache Load(string path, ILogger<GrantCache> log)
    {
        // A snapshot or rewrite left by a crash before it was swapped in is incomplete by definition.
        DeleteFiles(SnapshotPathOf(path));
        DeleteFiles(RewritePathOf(path));
        var cache = Open(LiteDbFile.Open(path), log, path);
        cache.DropPagesReadAtOpen();
        return cache;
    }

    /// <summary>
    /// Opening reads every page of the file into LiteDB's page cache, which LiteDB keeps for the life of the engine:
    /// for 100,000 credentials that is the whole file again in memory, on a box with a 150 MB budget
    /// (docs/BENCHMARKS.md, edge-memory). The index holds everything decisions need, so the file is reopened with an
    /// empty page cache, and the large arrays the old one held are returned to the system once.
    /// </summary>
    private void DropPagesReadAtOpen()
    {
        lock (_writer)
        {
            _file.Dispose();
            _file = LiteDbFile.Open(_path!);
        }

        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    private static string SnapshotPathOf(string path) => path + ".snapshot";

    private static string RewritePathOf(string path) => path + ".rewrite";

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
            var logEpoch = state is not null && state.TryGetValue("logEpoch", out var storedEpoch) ? storedEpoch.AsString : "";
            if (cacheId is null)
            {
                cacheId = Guid.NewGuid().ToString("N");
                db.GetCollection(Meta).Insert(new BsonDocument
                {
                    ["_id"] = StateId, ["cacheId"] = cacheId, ["seq"] = 0L, ["locationId"] = "", ["format"] = Format,
                });
                file.MakeDurable();
            }

            var builder = CacheIndexBuilder.Empty();
            var unusable = 0;
            long Replay(string collection, Func<BsonDocument, IEnumerable<Change>> changes)
            {
                var count = 0L;
                foreach (var doc in db.GetCollection(collection).Find(Query.All(Query.Ascending)))
                {
                    foreach (var change in changes(doc))
                    {
                        count++;
                        if (!builder.TryApply(change, out var problem))
                        {
                            unusable++;
                            log.LogError("Stored {Collection} {Id} is no longer usable: {Problem}", collection, doc["_id"].RawValue, problem);
                        }
                    }
                }

                return count;
            }

            IEnumerable<Change> Pack(BsonDocument d) => ChangeBatch.Parser.ParseFrom(d["p"].AsBinary).Changes;
            var baseChanges = Replay(Base, Pack);
            var deltaChanges = ReplayLegacy(Replay) + Replay(Delta, Pack);

            var index = builder.Build(state?["seq"].AsInt64 ?? 0, state?["locationId"].AsString ?? "");
            var cache = new GrantCache(file, path, cacheId, logEpoch, index, log)
            {
                _rejectedChanges = unusable, _baseChanges = baseChanges, _deltaChanges = deltaChanges,
            };
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

    /// <summary>The per-entity documents the format before this one kept over its packs (removals as tombstones).</summary>
    private static long ReplayLegacy(Func<string, Func<BsonDocument, IEnumerable<Change>>, long> replay) =>
        replay(LegacyLocations, d => [new Change { Location = LocationUpsert.Parser.ParseFrom(d["p"].AsBinary) }])
        + replay(LegacyDoors, d => IsTombstone(d)
            ? [new Change { DoorRemoved = new DoorRemoved { DoorId = d["_id"].AsString } }]
            : [new Change { Door = DoorUpsert.Parser.ParseFrom(d["p"].AsBinary) }])
        + replay(LegacyHolders, d => [new Change { Holder = HolderUpsert.Parser.ParseFrom(d["p"].AsBinary) }])
        + replay(LegacyCredentials, d => d["revoked"].AsBoolean
            ? [new Change { Credential = CredentialUpsert.Parser.ParseFrom(d["p"].AsBinary) },
               new Change { CredentialRevoked = new CredentialRevoked { CredentialId = d["_id"].AsString } }]
            : [new Change { Credential = CredentialUpsert.Parser.ParseFrom(d["p"].AsBinary) }])
        + replay(LegacyGrants, d => IsTombstone(d)
            ? [new Change { GrantRemoved = new GrantRemoved { GrantId = d["_id"].AsString } }]
            : [new Change { Grant = GrantUpsert.Parser.ParseFrom(d["p"].AsBinary) }]);

    private static bool IsTombstone(BsonDocument document) => document.TryGetValue("removed", out var removed) && removed.AsBoolean;

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

    private ApplyResult Refuse(long lastSeq, CacheIndex current, string problem)
    {
        Interlocked.Increment(ref _rejectedChanges);
        _log.LogWarning("Change batch ending at seq {LastSeq} refused: {Problem}", lastSeq, problem);
        return new ApplyResult(ApplyOutcome.Invalid, current.Seq);
    }

    /// <summary>Applies the batch's changes from <paramref name="first"/> on, writes the usable ones as delta packs with the seq, swaps in the index.</summary>
    private ApplyResult Commit(CacheIndex current, ChangeBatch batch, int first)
    {
        var builder = current.ToBuilder();
        var packs = new ChangePacks();
        var rejected = 0;
        for (var i = first; i < batch.Changes.Count; i++)
        {
            var change = batch.Changes[i];
            if (builder.TryApply(change, out var problem))
            {
                packs.Add(change);
            }
            else
            {
                rejected++;
                _log.LogWarning("Change seq {Seq} ({Kind}) skipped: {Problem}", change.Seq, change.KindCase, problem);
            }
        }

        var next = builder.Build(batch.LastSeq, batch.LocationId);
        var db = _file.Database;
        if (!db.BeginTrans())
        {
            throw new InvalidOperationException("A grant cache transaction is already open on this thread.");
        }

        try
        {
            foreach (var (firstSeq, pack) in packs.Take())
            {
                db.GetCollection(Delta).Insert(new BsonDocument { ["_id"] = firstSeq, ["p"] = pack });
            }

            WriteState(db, next);
            db.Commit();
        }
        catch
        {
            db.Rollback();
            throw;
        }

        _file.MakeDurable();
        _deltaChanges += packs.Count;
        Volatile.Write(ref _index, next);
        Interlocked.Add(ref _rejectedChanges, rejected);
        if (_deltaChanges >= Math.Max(RewriteAfterChanges, _baseChanges / 2))
        {
            try
            {
                Rewrite(next);
            }
            catch (Exception ex) when (ex is IOException or LiteException or UnauthorizedAccessException)
            {
                // The batch is applied and durable; the rewrite is tried again after as many changes more.
                _log.LogError(ex, "Grant cache could not be rewritten at seq {Seq}; it keeps its batches", next.Seq);
                _deltaChanges = 0;
            }
        }

        return new ApplyResult(ApplyOutcome.Applied, next.Seq, rejected);
    }

    /// <summary>
    /// Writes the file anew from the index (as the changes that would build it again), so the deltas a long
    /// run has piled up are not replayed at every open. Like a snapshot: a new file, made durable, renamed over.
    /// </summary>
    private void Rewrite(CacheIndex index)
    {
        var packs = new ChangePacks();
        var documents = new List<BsonDocument>();
        foreach (var change in IndexChanges(index))
        {
            packs.Add(change);
            if (packs.Full)
            {
                documents.AddRange(packs.Take().Select(p => new BsonDocument { ["p"] = p.Pack }));
            }
        }

        documents.AddRange(packs.Take().Select(p => new BsonDocument { ["p"] = p.Pack }));
        var total = _deltaChanges;
        if (_path is null)
        {
            ReplaceInPlace(index, documents, LogEpoch);
        }
        else
        {
            var rewritePath = RewritePathOf(_path);
            DeleteFiles(rewritePath);
            using (var file = LiteDbFile.OpenScratch(rewritePath))
            {
                var pack = 0;
                foreach (var document in documents)
                {
                    document["_id"] = pack++;
                    file.Database.GetCollection(Base).Insert(document);
                }

                WriteState(file.Database, index);
                file.MakeDurable();
            }

            SwapIn(rewritePath);
        }

        _baseChanges = packs.Count;
        _deltaChanges = 0;
        _log.LogInformation("Grant cache rewritten at seq {Seq} from its index ({Changes} changes; {Deltas} changes of batches folded in)",
            index.Seq, _baseChanges, total);
    }

    /// <summary>Makes the durable file at <paramref name="newPath"/> the cache's file.</summary>
    private void SwapIn(string newPath)
    {
        // The current file is durable (every commit is checkpointed, and closing checkpoints again), so its
        // log is empty and the data file alone is the old cache until the rename makes the new one current.
        _file.Dispose();
        File.Delete(LiteDbFile.LogPathOf(_path!));
        File.Move(newPath, _path!, overwrite: true);
        File.Delete(LiteDbFile.LogPathOf(newPath));
        _file = LiteDbFile.Open(_path!);
    }

    /// <summary>Without a path (a database handed over open): everything replaced in one transaction.</summary>
    private void ReplaceInPlace(CacheIndex next, IEnumerable<BsonDocument> packs, string logEpoch)
    {
        var db = _file.Database;
        if (!db.BeginTrans())
        {
            throw new InvalidOperationException("A grant cache transaction is already open on this thread.");
        }

        try
        {
            foreach (var name in new[] { Base, Delta, LegacyLocations, LegacyDoors, LegacyHolders, LegacyCredentials, LegacyGrants })
            {
                db.GetCollection(name).DeleteAll();
            }

            var pack = 0;
            foreach (var document in packs)
            {
                document["_id"] = pack++;
                db.GetCollection(Base).Insert(document);
            }

            WriteState(db, next, logEpoch);
            db.Commit();
        }
        catch
        {
            db.Rollback();
            throw;
        }

        _file.MakeDurable();
    }

    private void WriteState(LiteDatabase db, CacheIndex index) => WriteState(db, index, LogEpoch);

    private void WriteState(LiteDatabase db, CacheIndex index, string logEpoch)
    {
        var state = new BsonDocument
        {
            ["_id"] = StateId, ["cacheId"] = CacheId, ["seq"] = index.Seq, ["locationId"] = index.LocationId, ["format"] = Format,
            ["logEpoch"] = logEpoch,
        };
        db.GetCollection(Meta).Upsert(state);
    }

    /// <summary>Everything the index holds, as the changes that would build it again.</summary>
    internal static IEnumerable<Change> IndexChanges(CacheIndex index)
    {
        if (index.Location is { } location)
        {
            var upsert = new LocationUpsert
            {
                LocationId = location.LocationId,
                Name = location.Name,
                TimeZone = location.TimeZoneName,
                PinKey = ByteString.CopyFrom(location.PinKey.Span),
            };
            upsert.StaffedHours.AddRange(location.StaffedHours.Windows());
            yield return new Change { Location = upsert };
        }

        foreach (var door in index.Doors)
        {
            var upsert = new DoorUpsert
            {
                DoorId = door.DoorId,
                AreaId = door.AreaId,
                Name = door.Name,
                FailMode = door.FailMode,
                UnlockMs = (int)door.UnlockDuration.TotalMilliseconds,
                HeldOpenLimitS = (int)door.HeldOpenLimit.TotalSeconds,
                Lockdown = door.Lockdown,
                CardAndPin = door.CardAndPin,
                CredentialPolicy = door.Credentials,
                FirstPersonIn = door.FirstPersonIn,
                Controller = door.Controller,
                VendorSiteId = door.VendorSiteId,
                VendorLockId = door.VendorLockId,
            };
            upsert.Schedule.AddRange(door.Schedule.Windows());
            upsert.UnlockedHours.AddRange(door.UnlockedHours?.Windows() ?? []);
            yield return new Change { Door = upsert };
        }

        if (index.DoorControl != DoorControlPolicy.None)
        {
            yield return new Change { DoorControl = index.DoorControl.ToUpsert() };
        }

        foreach (var sensor in index.Sensors)
        {
            yield return new Change { Sensor = Sensors.SensorConfigs.ToUpsert(sensor) };
        }

        foreach (var gateway in index.SensorGateways)
        {
            yield return new Change
            {
                SensorGateway = new SensorGatewayUpsert { GatewayId = gateway.GatewayId, Username = gateway.Username, PasswordVerifier = gateway.PasswordVerifier },
            };
        }

        foreach (var holder in index.Holders)
        {
            yield return new Change { Holder = new HolderUpsert { HolderId = holder.Id, Status = holder.Status } };
        }

        foreach (var credential in index.Credentials)
        {
            yield return new Change { Credential = credential.ToUpsert() };
            if (credential.Revoked)
            {
                yield return new Change { CredentialRevoked = new CredentialRevoked { CredentialId = credential.Id } };
            }
        }

        var doorOfSlot = new string[index.DoorSlotMap.Count];
        foreach (var (doorId, slot) in index.DoorSlotMap)
        {
            doorOfSlot[slot] = doorId;
        }

        foreach (var grant in index.Grants)
        {
            var upsert = new GrantUpsert
            {
                GrantId = grant.Id,
                HolderId = grant.HolderId,
                CredentialId = grant.CredentialId ?? "",
                AllDoors = grant.AllDoors,
                ValidFrom = TimestampOf(grant.ValidFromUtcTicks, DateTimeOffset.MinValue.UtcTicks),
                ValidUntil = TimestampOf(grant.ValidUntilUtcTicks, DateTimeOffset.MaxValue.UtcTicks),
            };
            for (var slot = 0; slot < doorOfSlot.Length; slot++)
            {
                if (!grant.AllDoors && grant.Covers(slot))
                {
                    upsert.DoorIds.Add(doorOfSlot[slot]);
                }
            }

            upsert.Schedule.AddRange(grant.Schedule.Windows());
            yield return new Change { Grant = upsert };
        }
    }

    private static Timestamp? TimestampOf(long utcTicks, long absent) =>
        utcTicks == absent ? null : Timestamp.FromDateTimeOffset(new DateTimeOffset(utcTicks, TimeSpan.Zero));
}

/// <summary>
/// Changes serialized as they come into packs, each the wire form of a <see cref="ChangeBatch"/> holding only
/// changes: up to 2,000 changes and under 80,000 bytes, so no pack is a large-object-heap array (those are
/// only collected with generation 2, and a snapshot makes hundreds of packs) and none nears LiteDB's
/// document limit, whatever a grant names.
/// </summary>
internal sealed class ChangePacks
{
    private const int MaxChanges = 2000;
    private const int MaxBytes = 80_000;
    private static readonly byte ChangesTag = (byte)WireFormat.MakeTag(ChangeBatch.ChangesFieldNumber, WireFormat.WireType.LengthDelimited);

    private readonly List<(long FirstSeq, byte[] Pack)> _done = [];
    private byte[] _pack = new byte[4096];
    private int _length;
    private int _inPack;
    private long _firstSeq;

    /// <summary>Changes added so far.</summary>
    public long Count { get; private set; }

    /// <summary>Finished packs are waiting to be taken.</summary>
    public bool Full => _done.Count > 0;

    public void Add(Change change)
    {
        // The field's tag, the change's length and the change: as ChangeBatch.changes encodes it.
        var size = change.CalculateSize();
        var framed = 1 + CodedOutputStream.ComputeLengthSize(size) + size;
        if (_inPack > 0 && (_length + framed > MaxBytes || _inPack >= MaxChanges))
        {
            Finish();
        }

        if (_inPack == 0)
        {
            _firstSeq = change.Seq;
        }

        if (framed > MaxBytes)
        {
            // A change larger than a pack (no real one is) is a pack on its own.
            _done.Add((change.Seq, new ChangeBatch { Changes = { change } }.ToByteArray()));
        }
        else
        {
            if (_length + framed > _pack.Length)
            {
                Array.Resize(ref _pack, Math.Min(MaxBytes, Math.Max(_pack.Length * 2, _length + framed)));
            }

            _pack[_length++] = ChangesTag;
            for (var length = (uint)size; ; length >>= 7)
            {
                if (length < 0x80)
                {
                    _pack[_length++] = (byte)length;
                    break;
                }

                _pack[_length++] = (byte)(length | 0x80);
            }

            change.WriteTo(_pack.AsSpan(_length, size));
            _length += size;
            _inPack++;
        }

        Count++;
    }

    /// <summary>The packs finished so far and the one being filled; the next change starts a new pack.</summary>
    public List<(long FirstSeq, byte[] Pack)> Take()
    {
        Finish();
        var done = new List<(long, byte[])>(_done);
        _done.Clear();
        return done;
    }

    private void Finish()
    {
        if (_inPack == 0)
        {
            return;
        }

        _done.Add((_firstSeq, _pack.AsSpan(0, _length).ToArray()));
        (_length, _inPack) = (0, 0);
    }
}
