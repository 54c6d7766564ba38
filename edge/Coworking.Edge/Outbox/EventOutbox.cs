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
/// </summary>
public sealed class EventOutbox : BackgroundService, IEventRecorder
{
    private const string Events = "events";

    private readonly LiteDbFile _file;
    private readonly ILiteCollection<BsonDocument> _events;
    private readonly EventIdGenerator _ids;
    private readonly int _maxBatch;
    private readonly ILogger<EventOutbox> _log;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _enqueue = new();
    private long _depth;
    private int _disposed;
    private TaskCompletionSource _recorded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private EventOutbox(LiteDbFile file, OutboxOptions options, TimeProvider time, ILogger<EventOutbox> log)
    {
        _file = file;
        _events = file.Database.GetCollection(Events);
        _ids = new EventIdGenerator(time);
        _maxBatch = Math.Max(1, options.MaxBatch);
        _log = log;
        _depth = _events.LongCount();
        if (_events.Query().OrderByDescending("_id").Limit(1).FirstOrDefault() is { } newest)
        {
            _ids.ContinueAfter(newest["_id"].AsGuid);
        }
    }

    /// <summary>Events recorded and not yet acknowledged by the hub.</summary>
    public long Depth => Interlocked.Read(ref _depth);

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
    public IReadOnlyList<OutboxEntry> ReadBatch(int max) =>
        _events.Query().OrderBy("_id").Limit(max).ToList().Select(FromDocument).ToList();

    /// <summary>The oldest unacknowledged events recorded after <paramref name="after"/>, oldest first.</summary>
    public IReadOnlyList<OutboxEntry> ReadBatch(int max, Guid after) =>
        _events.Query().Where(Query.GT("_id", after)).OrderBy("_id").Limit(max).ToList().Select(FromDocument).ToList();

    /// <summary>Deletes what the hub has stored; unknown ids (acknowledged twice) are ignored.</summary>
    public int Acknowledge(IEnumerable<Guid> ids)
    {
        var deleted = 0;
        var db = _file.Database;
        if (!db.BeginTrans())
        {
            throw new InvalidOperationException("An outbox transaction is already open on this thread.");
        }

        try
        {
            foreach (var id in ids)
            {
                if (_events.Delete(id))
                {
                    deleted++;
                }
            }

            db.Commit();
        }
        catch
        {
            db.Rollback();
            throw;
        }

        Interlocked.Add(ref _depth, -deleted);
        return deleted;
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
            _events.InsertBulk(group.Select(p => ToDocument(p.Id, p.Event)));
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

        Interlocked.Add(ref _depth, group.Count);
        foreach (var pending in group)
        {
            pending.Done.TrySetResult(pending.Id);
        }

        Interlocked.Exchange(ref _recorded, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

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
        };
        return new OutboxEntry(d["_id"].AsGuid, e);
    }

    private sealed class Pending(EdgeEvent edgeEvent, TaskCompletionSource<Guid> done)
    {
        public Guid Id { get; set; }

        public EdgeEvent Event { get; } = edgeEvent;

        public TaskCompletionSource<Guid> Done { get; } = done;
    }
}
