using System.Threading.Channels;
using Coworking.Hub.Access;
using Coworking.Proto.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Coworking.Hub.EdgeSync;

/// <summary>
/// One edge's stream on this hub instance (docs/SYNC.md). Three loops share it: the sender follows the
/// location's change log (a snapshot first when the edge cannot resume) and wakes on NOTIFY; the receiver
/// stores what the edge reports and answers it; one writer puts their messages on the wire in order.
/// The first loop to end, for whatever reason, ends the others and the call.
/// </summary>
internal sealed class EdgeSession(
    EdgeIdentity edge,
    IAsyncStreamReader<EdgeMessage> requests,
    IServerStreamWriter<HubMessage> responses,
    EdgeSyncDependencies deps,
    ILogger log)
{
    private readonly Channel<HubMessage> _outgoing = Channel.CreateBounded<HubMessage>(new BoundedChannelOptions(16) { SingleReader = true });
    private readonly EdgeSyncOptions _options = deps.Options;

    // The doors the edge drives, as its hello and latest heartbeat said: door commands for these are sent to it.
    private volatile Guid[] _doorIds = [];

    public async Task RunAsync(CancellationToken callCancelled)
    {
        var hello = await ReadHelloAsync(callCancelled);
        if (hello.LocationId != edge.LocationId.ToString())
        {
            log.LogWarning("Edge {EdgeId} asked for location {AskedLocation}, not its own {LocationId}; refused", edge.EdgeId, hello.LocationId, edge.LocationId);
            throw new RpcException(new Status(StatusCode.PermissionDenied, "an edge is only served the location it was enrolled for"));
        }

        _doorIds = DoorIds(hello.DoorIds);
        using var subscription = deps.Notifier.Subscribe(edge.LocationId, edge.EdgeId);
        using var commands = deps.DoorCommands.Subscribe(edge.LocationId);
        var position = await deps.ChangeLog.ReadPositionAsync(edge.LocationId, callCancelled)
            ?? throw new RpcException(new Status(StatusCode.NotFound, "the location has no change log"));
        var snapshot = NeedsSnapshot(hello, position);
        var since = deps.Time.GetUtcNow();
        if (!await deps.Edges.RecordConnectedAsync(edge.EdgeId, since, hello.CacheId, hello.SoftwareVersion, hello.AppliedSeq, callCancelled))
        {
            throw Revoked();
        }

        log.LogInformation("Edge {EdgeId} connected at applied seq {AppliedSeq} of log epoch {EdgeLogEpoch} with cache {CacheId} (location at {LocationSeq} of epoch {LogEpoch}): {Start}",
            edge.EdgeId, hello.AppliedSeq, hello.LogEpoch, hello.CacheId, position.LastSeq, position.LogEpoch, snapshot ? "snapshot" : "resume");
        await _outgoing.Writer.WriteAsync(
            new HubMessage
            {
                Welcome = new Welcome
                {
                    Start = snapshot ? SyncStart.Snapshot : SyncStart.Resume,
                    EdgeId = edge.EdgeId.ToString(),
                    LocationSeq = position.LastSeq,
                    HubTime = Timestamp.FromDateTimeOffset(since),
                    HeartbeatIntervalMs = (int)_options.HeartbeatInterval.TotalMilliseconds,
                    LogEpoch = position.LogEpoch.ToString(),
                },
            },
            callCancelled);

        using var session = CancellationTokenSource.CreateLinkedTokenSource(callCancelled, subscription.Revoked);
        var loops = new[]
        {
            WriteAsync(session.Token),
            SendChangesAsync(subscription, snapshot ? null : hello.AppliedSeq, session.Token),
            ReceiveAsync(session.Token),
            SendDoorCommandsAsync(commands, session.Token),
        };
        try
        {
            var first = await Task.WhenAny(loops);
            await session.CancelAsync();
            await first;
        }
        catch (OperationCanceledException) when (subscription.Revoked.IsCancellationRequested)
        {
            log.LogWarning("Edge {EdgeId} was revoked; its stream ends", edge.EdgeId);
            throw Revoked();
        }
        finally
        {
            await session.CancelAsync();
            await Task.WhenAll(loops.Select(l => l.ContinueWith(_ => { }, TaskScheduler.Default)));
            await deps.Edges.RecordDisconnectedAsync(edge.EdgeId, since, CancellationToken.None);
            log.LogInformation("Edge {EdgeId} disconnected", edge.EdgeId);
        }
    }

    /// <summary>
    /// A snapshot when the edge cannot resume from its seq: an empty or new cache, a seq inside the compacted
    /// part of the log, a seq this log never reached, or a cache that followed another epoch of the log (both say the
    /// edge's cache came from another history: the database was restored from a backup). An edge that names no epoch
    /// predates them, or never met a hub that had them: its seq alone decides.
    /// </summary>
    private static bool NeedsSnapshot(Hello hello, ChangeLogPosition position) =>
        hello.AppliedSeq <= 0 || hello.CacheId.Length == 0 || hello.AppliedSeq < position.CompactedThrough || hello.AppliedSeq > position.LastSeq
        || (hello.LogEpoch.Length > 0 && !(Guid.TryParse(hello.LogEpoch, out var epoch) && epoch == position.LogEpoch));

    private async Task<Hello> ReadHelloAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(3 * _options.HeartbeatInterval);
        try
        {
            if (await requests.MoveNext(timeout.Token) && requests.Current.KindCase == EdgeMessage.KindOneofCase.Hello)
            {
                return requests.Current.Hello;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, "no hello"));
        }

        throw new RpcException(new Status(StatusCode.InvalidArgument, "the first message must be a hello"));
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        await foreach (var message in _outgoing.Reader.ReadAllAsync(cancellationToken))
        {
            await responses.WriteAsync(message, cancellationToken);
        }
    }

    /// <summary>
    /// Sends the log from <paramref name="appliedSeq"/> on (a snapshot first when null), then waits for
    /// NOTIFY. Entries of a location commit in seq order, so the log has no holes except where compaction
    /// removed superseded entries; meeting one means the edge fell behind the compaction, and it gets a
    /// snapshot instead. The seq an edge sees therefore never skips.
    /// </summary>
    private async Task SendChangesAsync(ChangeNotifier.Subscription subscription, long? appliedSeq, CancellationToken cancellationToken)
    {
        await SendVendorAccountsAsync(cancellationToken);
        var sent = appliedSeq ?? await SendSnapshotAsync(cancellationToken);
        while (true)
        {
            var changes = await deps.ChangeLog.ReadAsync(edge.LocationId, sent, _options.BatchSize, cancellationToken);
            var contiguous = changes.TakeWhile((c, i) => c.Seq == sent + 1 + i).ToList();
            if (contiguous.Count > 0)
            {
                var batch = new ChangeBatch { LocationId = edge.LocationId.ToString(), LastSeq = contiguous[^1].Seq };
                batch.Changes.AddRange(contiguous);
                if (contiguous.Any(c => c.KindCase == Change.KindOneofCase.VendorAccount))
                {
                    await SendVendorAccountsAsync(cancellationToken);
                }

                await _outgoing.Writer.WriteAsync(new HubMessage { Changes = batch }, cancellationToken);
                sent = batch.LastSeq;
            }

            if (contiguous.Count == 0 && await FellBehindCompactionAsync(changes, sent, cancellationToken))
            {
                log.LogInformation("Edge {EdgeId} at seq {Seq} is behind the compacted log; sending a snapshot", edge.EdgeId, sent);
                sent = await SendSnapshotAsync(cancellationToken);
                continue;
            }

            if (changes.Count == _options.BatchSize)
            {
                continue;
            }

            await subscription.WaitAsync(_options.PollInterval, cancellationToken);
        }
    }

    /// <summary>The location's vendor accounts with their secrets (docs/BRIDGES.md): on the stream only, never in the log.</summary>
    private async Task SendVendorAccountsAsync(CancellationToken cancellationToken) =>
        await _outgoing.Writer.WriteAsync(new HubMessage { VendorAccounts = await deps.VendorBridges.ForEdgeAsync(edge.LocationId, cancellationToken) }, cancellationToken);

    /// <summary>
    /// Nothing follows <paramref name="sent"/> directly: either nothing is new, or compaction removed the next
    /// entries (superseded ones, or a removal with nothing after it) while the edge was behind them. Entries
    /// read after a hole, or a compaction point past <paramref name="sent"/>, say it was compaction.
    /// </summary>
    private async Task<bool> FellBehindCompactionAsync(IReadOnlyList<Change> read, long sent, CancellationToken cancellationToken) =>
        read.Count > 0 || (await deps.ChangeLog.ReadPositionAsync(edge.LocationId, cancellationToken))?.CompactedThrough > sent;

    /// <summary>Sends the location's door commands for doors this edge drives as they are written (docs/SYNC.md, "Door commands").</summary>
    private async Task SendDoorCommandsAsync(DoorCommands.Subscription commands, CancellationToken cancellationToken)
    {
        while (true)
        {
            foreach (var command in await deps.DoorCommands.ClaimAsync(edge.LocationId, edge.EdgeId, _doorIds, cancellationToken))
            {
                log.LogInformation("Sending door command {CommandId} for door {DoorId} to edge {EdgeId}", command.Id, command.DoorId, edge.EdgeId);
                await _outgoing.Writer.WriteAsync(new HubMessage { DoorCommand = DoorCommands.ToProto(command) }, cancellationToken);
            }

            await commands.WaitAsync(_options.DoorCommandPollInterval, cancellationToken);
        }
    }

    private static Guid[] DoorIds(IEnumerable<string> ids) => [.. ids.Select(id => Guid.TryParse(id, out var guid) ? guid : Guid.Empty).Where(id => id != Guid.Empty).Distinct()];

    private async Task<long> SendSnapshotAsync(CancellationToken cancellationToken)
    {
        var index = 0;
        var seq = 0L;
        var count = 0;
        var started = deps.Time.GetTimestamp();
        SnapshotChunk? pending = null;
        await foreach (var part in deps.ChangeLog.ReadSnapshotAsync(edge.LocationId, _options.SnapshotChunkSize, cancellationToken))
        {
            // Held back one part, so the last chunk can say it is the last.
            if (pending is not null)
            {
                await _outgoing.Writer.WriteAsync(new HubMessage { Snapshot = pending }, cancellationToken);
            }

            pending = new SnapshotChunk { LocationId = edge.LocationId.ToString(), Seq = part.Seq, Index = index++ };
            pending.Changes.AddRange(part.Changes);
            seq = part.Seq;
            count += part.Changes.Count;
        }

        pending!.Last = true;
        await _outgoing.Writer.WriteAsync(new HubMessage { Snapshot = pending }, cancellationToken);
        log.LogInformation("Sent edge {EdgeId} a snapshot of {Count} entries in {Chunks} chunks ending at seq {Seq} in {Elapsed} ms",
            edge.EdgeId, count, index, seq, (int)deps.Time.GetElapsedTime(started).TotalMilliseconds);
        return seq;
    }

    /// <summary>
    /// Takes the edge's messages. An edge silent for three heartbeat intervals is gone (the HTTP/2 keepalive
    /// usually notices first) and its stream ends.
    /// </summary>
    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        silence.CancelAfter(3 * _options.HeartbeatInterval);
        try
        {
            while (await requests.MoveNext(silence.Token))
            {
                silence.CancelAfter(3 * _options.HeartbeatInterval);
                await HandleAsync(requests.Current, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            log.LogWarning("Edge {EdgeId} fell silent; ending its stream", edge.EdgeId);
        }
    }

    private async Task HandleAsync(EdgeMessage message, CancellationToken cancellationToken)
    {
        switch (message.KindCase)
        {
            case EdgeMessage.KindOneofCase.Applied:
                await deps.Edges.RecordAppliedAsync(edge.EdgeId, message.Applied.Seq, cancellationToken);
                break;
            case EdgeMessage.KindOneofCase.Events:
                var result = await deps.Intake.StoreAsync(edge, message.Events.Events, cancellationToken);
                var ack = new EventsAck();
                ack.EventIds.AddRange(result.Stored);
                ack.RejectedEventIds.AddRange(result.Rejected);
                await _outgoing.Writer.WriteAsync(new HubMessage { EventsAck = ack }, cancellationToken);
                break;
            case EdgeMessage.KindOneofCase.Heartbeat:
                await HeartbeatAsync(message.Heartbeat, cancellationToken);
                break;
            case EdgeMessage.KindOneofCase.DoorCommandResult:
                log.LogInformation("Edge {EdgeId} answered door command {CommandId}: {Outcome}", edge.EdgeId, message.DoorCommandResult.CommandId, message.DoorCommandResult.Outcome);
                await deps.DoorCommands.RecordResultAsync(edge.EdgeId, message.DoorCommandResult, cancellationToken);
                break;
            default:
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"unexpected {message.KindCase} message"));
        }
    }

    private async Task HeartbeatAsync(Heartbeat heartbeat, CancellationToken cancellationToken)
    {
        var now = deps.Time.GetUtcNow();
        var skew = heartbeat.EdgeTime is null ? 0 : (long)(heartbeat.EdgeTime.ToDateTimeOffset() - now).TotalMilliseconds;
        var health = heartbeat.Health ?? new EdgeHealth();
        if (health.DoorIds.Count > 0)
        {
            _doorIds = DoorIds(health.DoorIds);
        }

        var bridges = health.Bridges.Select(b => new EdgeBridgeResponse(
            b.Vendor, b.LastReconcileAt?.ToDateTimeOffset(), b.QueueDepth, b.LastError.Length == 0 ? null : b.LastError, b.Doors)).ToList();
        var recorded = new EdgeHeartbeat(skew, heartbeat.SoftwareVersion, health.AppliedSeq, health.OutboxDepth, health.ReadersOnline, health.ReadersTotal, bridges);
        if (!await deps.Edges.RecordHeartbeatAsync(edge.EdgeId, recorded, cancellationToken))
        {
            throw Revoked();
        }

        if (Math.Abs(skew) > _options.ClockSkewTolerance.TotalMilliseconds)
        {
            log.LogWarning("Edge {EdgeId} clock differs from the hub's by {SkewMs} ms", edge.EdgeId, skew);
        }

        await _outgoing.Writer.WriteAsync(
            new HubMessage { HeartbeatAck = new HeartbeatAck { HubTime = Timestamp.FromDateTimeOffset(now), ClockSkewMs = skew } },
            cancellationToken);
    }

    private static RpcException Revoked() => new(new Status(StatusCode.Unauthenticated, "the edge's credential was revoked"));
}
