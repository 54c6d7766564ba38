using System.Threading.Channels;
using Coworking.Edge.Cache;
using Coworking.Edge.Configuration;
using Coworking.Edge.Decisions;
using LiteDB;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coworking.Edge.Outbox;

/// <summary>
/// Every decision and door event, kept in its own LiteDB file until the hub acknowledges it.
/// <see cref="AppendAsync"/> completes only once the event is on disk. Appends are group-committed:
/// one loop takes everything queued (up to <see cref="OutboxOptions.MaxBatch"/>), writes it in one
/// transaction, makes it durable, then releases all waiting callers; what arrives meanwhile forms
/// the next group. So the wait is never longer than one commit in progress plus one's own, and a
/// burst of doors costs one disk sync instead of one each. (docs/EDGE.md has the figures.)
/// <para>
/// Events are written in segments, one collection of about <see cref="OutboxOptions.SegmentSize"/> events
/// each, in id order. The ids of the unacknowledged events are also held in memory, so acknowledging an
/// event only marks it; a segment whose every event is acknowledged is dropped whole, which costs a few
/// page writes instead of an index delete per event. Beside the segments a watermark record holds the
/// newest id up to which every event is acknowledged: after a restart, acknowledged events of a segment
/// not yet dropped are skipped rather than sent again.
/// </para>
/// <para>
/// The outbox keeps to <see cref="OutboxOptions.MaxBytes"/>: it knows the stored size of every unacknowledged
/// event, and once they take 40 % of the budget it drops the oldest sensor readings (<see cref="EdgeEventKindNames.IsExpendable"/>)
/// until they take under 35 %, counted and logged (LiteDB's pages, indexes, free space and a compaction's copy take the rest). Access decisions and door events are never dropped: past the
/// budget with nothing left to drop, the file grows and the edge says so in its log and /status.
/// </para>
/// </summary>
public sealed class EventOutbox : BackgroundService, IEventRecorder
{
    /// <summary>Segment 0 is the collection a single-collection outbox of earlier versions wrote; it is uploaded first.</summary>
    private const string SegmentPrefix = "events";
    private const string Watermarks = "acknowledged";
    private const string WatermarkId = "all_up_to";

    /// <summary>Past this many segments the newest one grows instead: LiteDB keeps collection names in one header page.</summary>
    private const int MaxSegments = 256;

    private readonly LiteDbFile _file;
    private readonly ILiteCollection<BsonDocument> _watermarks;
    private readonly EventIdGenerator _ids;
    private readonly int _maxBatch;
    private readonly int _segmentSize;
    private readonly long _maxBytes;
    private readonly ILogger<EventOutbox> _log;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _enqueue = new();

    /// <summary>Guards the segments and every write to the database but the group commit's sync.</summary>
    private readonly Lock _state = new();
    private readonly List<Segment> _segments = [];
    private Guid _watermark;
    private int _nextSegment = 1;
    private long _depth;
    private long _bytes;
    private long _dropped;
    private bool _overBudget;
    private long _compactions;
    private int _disposed;
    private TaskCompletionSource _recorded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private EventOutbox(LiteDbFile file, OutboxOptions options, TimeProvider time, ILogger<EventOutbox> log)
    {
        _file = file;
        _watermarks = file.Database.GetCollection(Watermarks);
        _ids = new EventIdGenerator(time);
        _maxBatch = Math.Max(1, options.MaxBatch);
        _segmentSize = Math.Max(1, options.SegmentSize);
        _maxBytes = Math.Max(64 * 1024, options.MaxBytes);
        _log = log;
        _watermark = _watermarks.FindById(WatermarkId)?["id"].AsGuid ?? Guid.Empty;
        _ids.ContinueAfter(_watermark);
        var names = file.Database.GetCollectionNames()
            .Select(name => (Name: name, Segment: ParseSegment(name)))
            .Where(s => s.Segment is not null)
            .GroupBy(s => s.Segment!.Value.Number)
            .OrderBy(g => g.Key);
        foreach (var generations in names)
        {
            // A compaction writes the segment's new generation whole before it drops the old one: a crash in between
            // leaves both, and the newer is complete.
            var newest = generations.MaxBy(g => g.Segment!.Value.Generation);
            foreach (var older in generations.Where(g => g.Name != newest.Name))
            {
                file.Database.DropCollection(older.Name);
            }

            var (name, (number, generation)) = (newest.Name, newest.Segment!.Value);
            var segment = new Segment(name, file.Database.GetCollection(name), number, generation);
            foreach (var document in segment.Events.Query().Where(Query.GT("_id", _watermark)).OrderBy("_id").ToEnumerable())
            {
                var size = StoredSize(document);
                segment.Add(document["_id"].AsGuid, size, IsExpendable(document));
                _bytes += size;
            }

            segment.Written = segment.Events.Count();
            if (segment.Events.Query().OrderByDescending("_id").Limit(1).FirstOrDefault() is { } last)
            {
                _ids.ContinueAfter(last["_id"].AsGuid);
            }

            _segments.Add(segment);
            _depth += segment.Remaining;
            _nextSegment = Math.Max(_nextSegment, number + 1);
        }

        DropAcknowledged(_watermark);
    }

    /// <summary>Events recorded and not yet acknowledged by the hub.</summary>
    public long Depth => Interlocked.Read(ref _depth);

    /// <summary>The stored size of the unacknowledged events, in bytes.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The disk budget (<see cref="OutboxOptions.MaxBytes"/>).</summary>
    public long MaxBytes => _maxBytes;

    /// <summary>Sensor readings dropped unsent to keep inside the budget since the edge started.</summary>
    public long DroppedForBudget => Interlocked.Read(ref _dropped);

    /// <summary>Whether the unacknowledged events take more than 40 % of the budget with no sensor reading left to drop.</summary>
    public bool OverBudget => Volatile.Read(ref _overBudget);

    public static EventOutbox Open(string path, OutboxOptions options, TimeProvider time, ILogger<EventOutbox> log) =>
        Open(LiteDbFile.Open(path), options, time, log);

    /// <summary>Opens the outbox on a database already open; takes it over.</summary>
    internal static EventOutbox Open(LiteDbFile file, OutboxOptions options, TimeProvider time, ILogger<EventOutbox> log)
    {
        try
        {
            var outbox = new EventOutbox(file, options, time, log);
            log.LogInformation("Outbox open with {Depth} unacknowledged events", outbox.Depth);
            return outbox;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Records the event; completes with its id once it is on disk.</summary>
    public Task<Guid> AppendAsync(EdgeEvent edgeEvent, CancellationToken cancellationToken)
    {
        var pending = new Pending(edgeEvent, new TaskCompletionSource<Guid>(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_enqueue)
        {
            // Ids are made in queue order, so the outbox's order is the order events happened in.
            pending.Id = _ids.Next();
            if (!_queue.Writer.TryWrite(pending))
            {
                throw new InvalidOperationException("The outbox has stopped; nothing more can be recorded.");
            }
        }

        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Completes when events are next recorded. Take it before reading, so an event recorded between the
    /// read and the wait is not missed.
    /// </summary>
    public Task Recorded => Volatile.Read(ref _recorded).Task;

    /// <summary>The oldest unacknowledged events, oldest first.</summary>
    public IReadOnlyList<OutboxEntry> ReadBatch(int max) => Read(max, null);

    /// <summary>The oldest unacknowledged events recorded after <paramref name="after"/>, oldest first.</summary>
    public IReadOnlyList<OutboxEntry> ReadBatch(int max, Guid after) => Read(max, after);

    /// <summary>
    /// Marks what the hub has stored as acknowledged, drops every segment now wholly acknowledged and moves
    /// the watermark, in one transaction. Unknown ids (acknowledged twice) are ignored. Returns how many
    /// events were newly acknowledged.
    /// </summary>
    public int Acknowledge(IEnumerable<Guid> ids)
    {
        var acknowledged = 0;
        lock (_state)
        {
            foreach (var id in ids)
            {
                if (_segments.Find(s => s.Holds(id)) is { } segment && segment.Acknowledge(id, out var size))
                {
                    acknowledged++;
                    Interlocked.Add(ref _bytes, -size);
                }
            }

            if (acknowledged > 0)
            {
                DropAcknowledged(Watermark());
                Interlocked.Add(ref _depth, -acknowledged);
            }
        }

        return acknowledged;
    }

    /// <summary>Safe to call twice: the container disposes it both as itself and as a hosted service.</summary>
    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        base.Dispose();
        _queue.Writer.TryComplete();
        _file.Dispose();
    }

    /// <summary>Stops the loop, then commits whatever is still queued: those callers were promised a durable record.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        lock (_enqueue)
        {
            _queue.Writer.TryComplete();
        }

        CommitQueued(new List<Pending>(_maxBatch));
        _log.LogInformation("Outbox stopped with {Depth} unacknowledged events", Depth);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var group = new List<Pending>(_maxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                CommitQueued(group);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync commits what is left once this loop has ended.
        }
    }

    private void CommitQueued(List<Pending> group)
    {
        while (true)
        {
            group.Clear();
            while (group.Count < _maxBatch && _queue.Reader.TryRead(out var pending))
            {
                group.Add(pending);
            }

            if (group.Count == 0)
            {
                return;
            }

            Commit(group);
        }
    }

    private void Commit(List<Pending> group)
    {
        try
        {
            lock (_state)
            {
                var segment = WritableSegment();
                var documents = group.Select(p => ToDocument(p.Id, p.Event)).ToList();
                segment.Events.InsertBulk(documents);
                segment.Written += group.Count;
                foreach (var document in documents)
                {
                    var size = StoredSize(document);
                    segment.Add(document["_id"].AsGuid, size, IsExpendable(document));
                    Interlocked.Add(ref _bytes, size);
                }

                Interlocked.Add(ref _depth, group.Count);
                KeepToBudget();
            }

            _file.MakeDurable();
        }
        catch (Exception ex)
        {
            // Whatever went wrong, the callers must hear of it rather than wait forever.
            _log.LogError(ex, "Outbox could not record {Count} events", group.Count);
            foreach (var pending in group)
            {
                pending.Done.TrySetException(ex);
            }

            return;
        }

        foreach (var pending in group)
        {
            pending.Done.TrySetResult(pending.Id);
        }

        Interlocked.Exchange(ref _recorded, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>
    /// Past 40 % of the budget, drops the oldest unacknowledged sensor readings until the events take under 35 % of it
    /// (under <see cref="_state"/>, in the commit's checkpoint). Says once per crossing when only access decisions
    /// and door events are left to hold it up.
    /// </summary>
    private void KeepToBudget()
    {
        var limit = _maxBytes * 2 / 5;
        if (_bytes <= limit)
        {
            _overBudget = false;
            return;
        }

        var excess = _bytes - _maxBytes * 7 / 20;
        var dropped = 0;
        foreach (var segment in _segments.ToList())
        {
            var gone = segment.DropExpendable(excess);
            foreach (var (_, size) in gone)
            {
                excess -= size;
                Interlocked.Add(ref _bytes, -size);
            }

            dropped += gone.Count;
            if (gone.Count > 0)
            {
                Compact(segment, gone);
            }

            if (excess <= 0)
            {
                break;
            }
        }

        if (dropped > 0)
        {
            Interlocked.Add(ref _depth, -dropped);
            Interlocked.Add(ref _dropped, dropped);
            DropAcknowledged(Watermark());
            _log.LogWarning(
                "Outbox at its budget of {MaxBytes} bytes: dropped the {Dropped} oldest unsent sensor readings, {Depth} events ({Bytes} bytes) kept",
                _maxBytes, dropped, Depth, Bytes);
        }

        var over = _bytes > limit;
        if (over && !_overBudget)
        {
            _log.LogWarning(
                "Outbox holds {Bytes} bytes of unsent access and door events, over 40 % of its budget of {MaxBytes} bytes with no sensor reading left to drop; they are all kept and the file grows",
                Bytes, _maxBytes);
        }

        _overBudget = over;
    }

    /// <summary>
    /// Takes the dropped readings out of <paramref name="segment"/>. The newest segment deletes them in place (its next
    /// appends reuse the room). An older one would keep its pages, each pinned by the access events left among the
    /// readings, so it is written anew holding only its unacknowledged events, as generation G+1, and the old collection
    /// dropped: its pages are free for what comes next.
    /// </summary>
    private void Compact(Segment segment, List<(Guid Id, int Size)> dropped)
    {
        if (ReferenceEquals(segment, _segments[^1]))
        {
            foreach (var (id, _) in dropped)
            {
                segment.Events.Delete(id);
            }

            return;
        }

        var kept = segment.Events.FindAll().Where(d => segment.IsUnacknowledged(d["_id"].AsGuid)).ToList();
        var generation = segment.Generation + 1;
        var name = $"{SegmentPrefix}_{segment.Number}_{generation}";
        var events = _file.Database.GetCollection(name);
        if (kept.Count > 0)
        {
            events.InsertBulk(kept);
        }

        _file.Database.DropCollection(segment.Name);
        segment.Rebind(name, events, generation);
        Interlocked.Increment(ref _compactions);
    }

    /// <summary>The newest segment while it has room (or there are too many to start another), else a new one.</summary>
    private Segment WritableSegment()
    {
        if (_segments.Count > 0 && (_segments[^1].Written < _segmentSize || _segments.Count >= MaxSegments))
        {
            return _segments[^1];
        }

        var number = _nextSegment++;
        var name = $"{SegmentPrefix}_{number}";
        var segment = new Segment(name, _file.Database.GetCollection(name), number, 0);
        _segments.Add(segment);
        return segment;
    }

    /// <summary>The newest id up to which every event is acknowledged (under <see cref="_state"/>).</summary>
    private Guid Watermark()
    {
        var watermark = _watermark;
        foreach (var segment in _segments)
        {
            if (segment.LastAcknowledgedInOrder() is { } last)
            {
                watermark = last;
            }

            if (segment.Remaining > 0)
            {
                break;
            }
        }

        return watermark;
    }

    /// <summary>
    /// Records the watermark, then drops the segments wholly acknowledged (the newest only once it is full: it
    /// still takes appends), under <see cref="_state"/>. LiteDB drops a collection in a transaction of its own;
    /// a segment left behind by a crash in between holds only ids up to the watermark or already
    /// acknowledged, and is dropped when the outbox next opens or is sent once more.
    /// </summary>
    private void DropAcknowledged(Guid watermark)
    {
        if (watermark.CompareTo(_watermark) > 0)
        {
            _watermarks.Upsert(new BsonDocument { ["_id"] = WatermarkId, ["id"] = watermark });
            _watermark = watermark;
        }

        var done = _segments.Where((s, i) => s.Remaining == 0 && (i < _segments.Count - 1 || s.Written >= _segmentSize)).ToList();
        foreach (var segment in done)
        {
            _file.Database.DropCollection(segment.Name);
            _segments.Remove(segment);
        }
    }

    private IReadOnlyList<OutboxEntry> Read(int max, Guid? after)
    {
        var wanted = new List<(ILiteCollection<BsonDocument> Events, List<Guid> Ids, int Span)>();
        long compactions;
        lock (_state)
        {
            compactions = _compactions;
            var left = max;
            foreach (var segment in _segments)
            {
                if (left == 0)
                {
                    break;
                }

                var (ids, span) = segment.Unacknowledged(after, left);
                if (ids.Count > 0)
                {
                    wanted.Add((segment.Events, ids, span));
                    left -= ids.Count;
                }
            }
        }

        // Read outside the lock so appends are not held up; a segment dropped meanwhile (all acknowledged) reads as empty,
        // and one compacted meanwhile is read again from its new collection.
        var entries = new List<OutboxEntry>();
        foreach (var (events, ids, span) in wanted)
        {
            // One index range from the first id wanted, as many documents as the range holds; those acknowledged meanwhile are left out.
            var documents = events.Query().Where(Query.GTE("_id", ids[0])).OrderBy("_id").Limit(span).ToEnumerable();
            entries.AddRange(span == ids.Count
                ? documents.Select(FromDocument)
                : documents.Where(d => ids.BinarySearch(d["_id"].AsGuid) >= 0).Select(FromDocument));
        }

        return Interlocked.Read(ref _compactions) == compactions ? entries : Read(max, after);
    }

    /// <summary>"events" (segment 0), "events_N" or, compacted, "events_N_G" (its generation G); null for any other collection.</summary>
    private static (int Number, int Generation)? ParseSegment(string name)
    {
        if (name == SegmentPrefix)
        {
            return (0, 0);
        }

        if (!name.StartsWith(SegmentPrefix + "_", StringComparison.Ordinal))
        {
            return null;
        }

        var parts = name[(SegmentPrefix.Length + 1)..].Split('_');
        return parts switch
        {
            [var n] when int.TryParse(n, out var number) && number > 0 => (number, 0),
            [var n, var g] when int.TryParse(n, out var number) && number >= 0 && int.TryParse(g, out var generation) && generation > 0 => (number, generation),
            _ => null,
        };
    }

    private static int StoredSize(BsonDocument document) => BsonSerializer.Serialize(document).Length;

    private static bool IsExpendable(BsonDocument document) =>
        EdgeEventKindNames.TryParse(document["kind"].AsString, out var kind) && kind.IsExpendable();

    private static BsonDocument ToDocument(Guid id, EdgeEvent e)
    {
        var document = new BsonDocument
        {
            ["_id"] = id,
            ["kind"] = e.Kind.ToWireName(),
            ["at"] = e.OccurredAt.UtcTicks,
            ["door"] = e.DoorId,
        };
        void Optional(string name, string? value)
        {
            if (value is not null)
            {
                document[name] = value;
            }
        }

        Optional("reader", e.ReaderId);
        Optional("reason", e.Reason?.ToWireName());
        Optional("credential", e.CredentialId);
        Optional("holder", e.HolderId);
        Optional("presented", e.Presented);
        Optional("actor", e.Actor);
        Optional("detail", e.Detail);
        Optional("command", e.CommandId);
        if (e.Until is { } until)
        {
            document["until"] = until.UtcTicks;
        }

        if (e.Occupancy is { } occupancy)
        {
            document["occupancy"] = Sensors.OccupancyDocuments.ToDocument(occupancy);
        }

        return document;
    }

    private static OutboxEntry FromDocument(BsonDocument d)
    {
        string? Optional(string name) => d.TryGetValue(name, out var value) ? value.AsString : null;
        EdgeEventKindNames.TryParse(d["kind"].AsString, out var kind);
        DecisionReason? reason = Optional("reason") is { } wire && DecisionReasonNames.TryParse(wire, out var parsed) ? parsed : null;
        var e = new EdgeEvent(kind, new DateTimeOffset(d["at"].AsInt64, TimeSpan.Zero), d["door"].AsString)
        {
            ReaderId = Optional("reader"),
            Reason = reason,
            CredentialId = Optional("credential"),
            HolderId = Optional("holder"),
            Presented = Optional("presented"),
            Actor = Optional("actor"),
            Detail = Optional("detail"),
            CommandId = Optional("command"),
            Until = d.TryGetValue("until", out var until) ? new DateTimeOffset(until.AsInt64, TimeSpan.Zero) : null,
            Occupancy = d.TryGetValue("occupancy", out var occupancy) ? Sensors.OccupancyDocuments.FromDocument(occupancy.AsDocument) : null,
        };
        return new OutboxEntry(d["_id"].AsGuid, e);
    }

    private sealed class Pending(EdgeEvent edgeEvent, TaskCompletionSource<Guid> done)
    {
        public Guid Id { get; set; }

        public EdgeEvent Event { get; } = edgeEvent;

        public TaskCompletionSource<Guid> Done { get; } = done;
    }

    /// <summary>
    /// One collection of events and, in memory, the ids of those not acknowledged when the outbox opened or
    /// written since, ascending, each with whether it has been acknowledged since.
    /// </summary>
    private sealed class Segment(string name, ILiteCollection<BsonDocument> events, int number, int generation)
    {
        private readonly List<Guid> _ids = [];
        private readonly List<bool> _acknowledged = [];
        private readonly List<int> _sizes = [];
        private readonly List<bool> _expendable = [];
        private int _acknowledgedCount;

        /// <summary>Where the search for the oldest unacknowledged sensor reading starts: none before it.</summary>
        private int _expendableFrom;

        /// <summary>How many of the first ids are acknowledged.</summary>
        private int _inOrder;

        public string Name { get; private set; } = name;

        public ILiteCollection<BsonDocument> Events { get; private set; } = events;

        public int Number { get; } = number;

        /// <summary>How many times it was compacted (<see cref="Compact"/>).</summary>
        public int Generation { get; private set; } = generation;

        public void Rebind(string newName, ILiteCollection<BsonDocument> newEvents, int newGeneration)
        {
            Name = newName;
            Events = newEvents;
            Generation = newGeneration;
        }

        public bool IsUnacknowledged(Guid id) => _ids.BinarySearch(id) is var index and >= 0 && !_acknowledged[index];

        /// <summary>Events ever written to it, acknowledged or not: decides when it is full.</summary>
        public int Written { get; set; }

        public int Remaining => _ids.Count - _acknowledgedCount;

        public void Add(Guid id, int size, bool expendable)
        {
            _ids.Add(id);
            _acknowledged.Add(false);
            _sizes.Add(size);
            _expendable.Add(expendable);
        }

        public bool Holds(Guid id) => _ids.Count > 0 && id.CompareTo(_ids[0]) >= 0 && id.CompareTo(_ids[^1]) <= 0;

        public bool Acknowledge(Guid id, out int size)
        {
            var index = _ids.BinarySearch(id);
            if (index < 0 || _acknowledged[index])
            {
                size = 0;
                return false;
            }

            size = _sizes[index];
            MarkAcknowledged(index);
            return true;
        }

        /// <summary>
        /// Marks the oldest unacknowledged sensor readings as gone until their sizes reach <paramref name="excess"/> (or
        /// none is left), and gives their ids and sizes for the caller to delete.
        /// </summary>
        public List<(Guid Id, int Size)> DropExpendable(long excess)
        {
            var dropped = new List<(Guid, int)>();
            for (var i = Math.Max(_expendableFrom, _inOrder); i < _ids.Count && excess > 0; i++)
            {
                _expendableFrom = i + 1;
                if (_expendable[i] && !_acknowledged[i])
                {
                    dropped.Add((_ids[i], _sizes[i]));
                    excess -= _sizes[i];
                    MarkAcknowledged(i);
                }
            }

            return dropped;
        }

        private void MarkAcknowledged(int index)
        {
            _acknowledged[index] = true;
            _acknowledgedCount++;
            while (_inOrder < _ids.Count && _acknowledged[_inOrder])
            {
                _inOrder++;
            }
        }

        public Guid? LastAcknowledgedInOrder() => _inOrder > 0 ? _ids[_inOrder - 1] : null;

        /// <summary>
        /// Up to <paramref name="max"/> unacknowledged ids, oldest first, after <paramref name="after"/> if given, and
        /// how many ids (acknowledged ones among them) lie from the first of them to the last.
        /// </summary>
        public (List<Guid> Ids, int Span) Unacknowledged(Guid? after, int max)
        {
            var from = _inOrder;
            if (after is { } newest)
            {
                var index = _ids.BinarySearch(newest);
                from = Math.Max(from, index >= 0 ? index + 1 : ~index);
            }

            var ids = new List<Guid>(Math.Min(max, Math.Max(0, _ids.Count - from)));
            var first = -1;
            var last = -1;
            for (var i = from; i < _ids.Count && ids.Count < max; i++)
            {
                if (!_acknowledged[i])
                {
                    ids.Add(_ids[i]);
                    first = first < 0 ? i : first;
                    last = i;
                }
            }

            return (ids, last - first + 1);
        }
    }
}
