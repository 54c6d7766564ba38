using System.Threading.Channels;
using Coworking.Edge.Cache;
using Coworking.Edge.Configuration;
using Coworking.Edge.Doors;
using Coworking.Edge.Outbox;
using Coworking.Edge.Status;
using Coworking.Proto.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using EdgeSyncGrpc = Coworking.Proto.V1.EdgeSync;

namespace Coworking.Edge.EdgeSync;

/// <summary>
/// Keeps the edge's one stream to the hub up (ARCHITECTURE §4, docs/SYNC.md): says hello with the cache's
/// applied seq and identity, applies what the hub sends (each batch atomically, a snapshot all at once
/// when it has fully arrived) and acknowledges it, uploads the outbox and deletes only what the hub
/// acknowledged, and sends heartbeats. After any break it waits a jittered, growing delay and resumes
/// from whatever the cache and outbox hold; doors decide from the cache all the while.
/// </summary>
public sealed class HubLink(
    EdgeOptions edge,
    EdgeSyncOptions options,
    GrantCache cache,
    EventOutbox outbox,
    IEnumerable<IReaderStatusSource> readers,
    DoorRegistry doors,
    RemoteUnlock remoteUnlock,
    Bridges.VendorAccountStore vendorAccounts,
    Bridges.VendorBridges bridges,
    TimeProvider time,
    ILogger<HubLink> log)
    : BackgroundService, ISyncStatusSource
{
    private static readonly TimeSpan NotEnrolledRecheck = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan WelcomeTimeout = TimeSpan.FromSeconds(15);

    /// <summary>A stream that lived this long counts as a success: the next break starts the backoff afresh.</summary>
    private static readonly TimeSpan StableStream = TimeSpan.FromSeconds(30);

    private readonly long _started = time.GetTimestamp();
    private readonly Lock _sync = new();
    private SyncStatus _status = new(false, null, false, null, null, null, null, 0, 0, 0, null);

    public SyncStatus Sync
    {
        get
        {
            lock (_sync)
            {
                return _status;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var attempt = 0;
        var warnedNotEnrolled = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var opened = time.GetTimestamp();
            var refused = false;
            try
            {
                var loaded = HubEnrolment.TryLoad(edge.DataDirectory);
                if (loaded is not { } enrolled)
                {
                    if (!warnedNotEnrolled)
                    {
                        log.LogWarning("Not enrolled with a hub ({File} missing in {Directory}); deciding from the cache alone until `coworking-edge enroll` runs",
                            HubEnrolment.FileName, edge.DataDirectory);
                        warnedNotEnrolled = true;
                    }

                    await Task.Delay(NotEnrolledRecheck, time, stoppingToken);
                    continue;
                }

                var urls = options.HubUrls.Count > 0 ? options.HubUrls : enrolled.Enrolment.HubUrls;
                var url = urls[attempt++ % urls.Count];
                Update(s => s with { Enrolled = true, EdgeId = enrolled.Enrolment.EdgeId, Hub = url });
                await RunStreamAsync(enrolled.Enrolment, enrolled.AuthorityPem, url, stoppingToken);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
            {
                refused = true;
                log.LogError("The hub at {Hub} refused this edge: {Status} {Detail}", Sync.Hub, ex.StatusCode, ex.Status.Detail);
                Ended($"refused: {ex.Status.Detail}");
            }
            catch (Exception ex) when (ex is RpcException or IOException or HttpRequestException or SyncProtocolException)
            {
                log.LogWarning("Stream to the hub at {Hub} ended: {Reason}", Sync.Hub, Describe(ex));
                Ended(Describe(ex));
            }
            catch (Exception ex)
            {
                // Whatever else went wrong (an unreadable hub.json or authority, a cache that cannot be
                // written) must not stop the edge: its doors keep deciding from the cache meanwhile.
                log.LogError(ex, "Stream to the hub at {Hub} failed", Sync.Hub);
                Ended(ex.Message);
            }

            failures = time.GetElapsedTime(opened) >= StableStream ? 0 : failures + 1;
            var delay = refused ? options.ReconnectMaxDelayMs : Backoff(failures);
            await Task.Delay(TimeSpan.FromMilliseconds(delay), time, stoppingToken);
        }
    }

    /// <summary>"Full jitter": a random wait up to a ceiling that doubles per failure, so edges cut off together do not return together.</summary>
    private int Backoff(int failures)
    {
        var ceiling = Math.Min(options.ReconnectMaxDelayMs, options.ReconnectMinDelayMs * Math.Pow(2, Math.Min(failures, 20)));
        return (int)(Random.Shared.NextDouble() * ceiling);
    }

    private static string Describe(Exception ex) => ex is RpcException rpc ? $"{rpc.StatusCode} {rpc.Status.Detail}" : ex.Message;

    private void Ended(string reason) => Update(s => s with { Connected = false, ConnectedSince = null, SnapshotChanges = 0, LastError = reason, Reconnects = s.Reconnects + 1 });

    private void Update(Func<SyncStatus, SyncStatus> change)
    {
        lock (_sync)
        {
            _status = change(_status);
        }
    }

    private async Task RunStreamAsync(HubEnrolment enrolment, string authorityPem, string url, CancellationToken stoppingToken)
    {
        using var channel = HubChannel.Create(url, authorityPem, options);
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var headers = new Metadata { { "authorization", $"Bearer {enrolment.Credential}" } };
        using var call = new EdgeSyncGrpc.EdgeSyncClient(channel).Sync(headers, cancellationToken: stream.Token);
        using var writer = new Writer(call.RequestStream);
        var hello = new EdgeMessage
        {
            Hello = new Hello
            {
                LocationId = enrolment.LocationId,
                AppliedSeq = cache.AppliedSeq,
                CacheId = cache.CacheId,
                LogEpoch = cache.LogEpoch,
                SoftwareVersion = EdgeVersion.Current,
                EdgeTime = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
                DoorIds = { DrivenDoorIds() },
            },
        };
        try
        {
            await writer.WriteAsync(hello, stream.Token);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && !stream.Token.IsCancellationRequested)
        {
            // The hub refuses a revoked credential before it reads the hello; a hello still being written then fails
            // on the reset stream as "Cancelled", and only the call's own status (thrown here) says it was refused.
            await call.ResponseHeadersAsync;
            throw;
        }

        var welcome = await ReadWelcomeAsync(call.ResponseStream, stream.Token);
        if (welcome.Start == SyncStart.Resume)
        {
            cache.KeepLogEpoch(welcome.LogEpoch);
        }

        var now = time.GetUtcNow();
        Update(s => s with { Connected = true, ConnectedSince = now, LastContactAt = now, LastError = null });
        log.LogInformation("Connected to the hub at {Hub} as edge {EdgeId}: {Start} from applied seq {Seq} (location at {LocationSeq}, log epoch {LogEpoch})",
            url, welcome.EdgeId, welcome.Start, cache.AppliedSeq, welcome.LocationSeq, welcome.LogEpoch);

        using var window = new SemaphoreSlim(options.UploadWindow, options.UploadWindow);
        var acknowledged = Channel.CreateUnbounded<IReadOnlyList<Guid>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var heartbeat = TimeSpan.FromMilliseconds(welcome.HeartbeatIntervalMs > 0 ? welcome.HeartbeatIntervalMs : 5000);
        var loops = new[]
        {
            ReceiveAsync(call.ResponseStream, welcome.LogEpoch, writer, window, acknowledged.Writer, stream.Token),
            UploadAsync(writer, window, stream.Token),
            DeleteAcknowledgedAsync(acknowledged.Reader, stream.Token),
            HeartbeatAsync(writer, heartbeat, stream.Token),
        };
        var first = await Task.WhenAny(loops);
        await stream.CancelAsync();
        await Task.WhenAll(loops.Select(l => l.ContinueWith(_ => { }, TaskScheduler.Default)));
        DeleteAcknowledged(acknowledged.Reader);
        await first;
    }

    private static async Task<Welcome> ReadWelcomeAsync(IAsyncStreamReader<HubMessage> responses, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(WelcomeTimeout);
        try
        {
            if (await responses.MoveNext(timeout.Token) && responses.Current.KindCase == HubMessage.KindOneofCase.Welcome)
            {
                return responses.Current.Welcome;
            }
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && !cancellationToken.IsCancellationRequested)
        {
            throw new SyncProtocolException("the hub did not answer the hello in time");
        }

        throw new SyncProtocolException("the hub did not answer the hello with a welcome");
    }

    private async Task ReceiveAsync(
        IAsyncStreamReader<HubMessage> responses, string logEpoch, Writer writer, SemaphoreSlim window, ChannelWriter<IReadOnlyList<Guid>> acknowledged,
        CancellationToken cancellationToken)
    {
        using var snapshot = new SnapshotAssembly(cache, logEpoch);
        while (await responses.MoveNext(cancellationToken))
        {
            var message = responses.Current;
            Update(s => s with { LastContactAt = time.GetUtcNow() });
            switch (message.KindCase)
            {
                case HubMessage.KindOneofCase.Snapshot:
                    if (message.Snapshot.Index == 0)
                    {
                        LogMemory("before the snapshot");
                    }

                    if (snapshot.Add(message.Snapshot) is { } complete)
                    {
                        await ApplySnapshotAsync(complete, writer, cancellationToken);
                    }

                    Update(s => s with { SnapshotChanges = snapshot.Changes });
                    break;
                case HubMessage.KindOneofCase.Changes:
                    await ApplyBatchAsync(message.Changes, writer, cancellationToken);
                    break;
                case HubMessage.KindOneofCase.EventsAck:
                    acknowledged.TryWrite(AcknowledgedIds(message.EventsAck));
                    window.Release();
                    break;
                case HubMessage.KindOneofCase.HeartbeatAck:
                    Update(s => s with { ClockSkewMs = message.HeartbeatAck.ClockSkewMs });
                    break;
                case HubMessage.KindOneofCase.DoorCommand:
                    await RunDoorCommandAsync(message.DoorCommand, writer, cancellationToken);
                    break;
                case HubMessage.KindOneofCase.VendorAccounts:
                    vendorAccounts.Replace(message.VendorAccounts);
                    break;
                default:
                    throw new SyncProtocolException($"unexpected {message.KindCase} from the hub");
            }
        }

        throw new SyncProtocolException("the hub ended the stream");
    }

    /// <summary>Carries out an operator's door command and answers it on the stream (docs/SYNC.md, "Door commands").</summary>
    private async Task RunDoorCommandAsync(DoorCommand command, Writer writer, CancellationToken cancellationToken)
    {
        var outcome = await remoteUnlock.HandleAsync(command.CommandId, command.DoorId, TimeSpan.FromMilliseconds(command.UnlockMs), command.Actor,
            command.ExpiresAt?.ToDateTimeOffset(), cancellationToken);
        var result = new DoorCommandResult
        {
            CommandId = command.CommandId,
            Outcome = outcome switch
            {
                RemoteUnlockOutcome.Unlocked => DoorCommandOutcome.Unlocked,
                RemoteUnlockOutcome.UnknownDoor => DoorCommandOutcome.UnknownDoor,
                RemoteUnlockOutcome.HardwareFailed => DoorCommandOutcome.HardwareFailed,
                _ => DoorCommandOutcome.Expired,
            },
            UnlockedAt = outcome == RemoteUnlockOutcome.Unlocked ? Timestamp.FromDateTimeOffset(time.GetUtcNow()) : null,
        };
        await writer.WriteAsync(new EdgeMessage { DoorCommandResult = result }, cancellationToken);
    }

    private IEnumerable<string> DrivenDoorIds() => doors.Doors.Select(d => d.DoorId).Concat(bridges.DoorIds).Distinct(StringComparer.Ordinal);

    private async Task ApplySnapshotAsync(SnapshotLoad snapshot, Writer writer, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var result = snapshot.Complete();
        if (result.Outcome != ApplyOutcome.Applied)
        {
            throw new SyncProtocolException($"the snapshot ending at seq {snapshot.Seq} was not applied: {result.Outcome}");
        }

        log.LogInformation("Applied a snapshot of {Count} changes ending at seq {Seq} in {Elapsed} ms after its last chunk ({Rejected} unusable)",
            snapshot.Changes, snapshot.Seq, (int)time.GetElapsedTime(started).TotalMilliseconds, result.RejectedChanges);
        LogMemory("after the snapshot");
        bridges.Nudge();
        await writer.WriteAsync(new EdgeMessage { Applied = new AppliedAck { Seq = result.AppliedSeq } }, cancellationToken);
    }

    /// <summary>The managed heap as the last collection left it: what a snapshot costs the edge's memory, at debug level.</summary>
    private void LogMemory(string when)
    {
        if (!log.IsEnabled(LogLevel.Debug))
        {
            return;
        }

        var gc = GC.GetGCMemoryInfo();
        log.LogDebug("Memory {When}: heap {HeapMiB} MiB ({FragmentedMiB} MiB free in it), committed {CommittedMiB} MiB, gen0/1/2/LOH/POH after the last collection {Gen0MiB}/{Gen1MiB}/{Gen2MiB}/{LohMiB}/{PohMiB} MiB, collections {Gen0Count}/{Gen1Count}/{Gen2Count}",
            when, gc.HeapSizeBytes >> 20, gc.FragmentedBytes >> 20, gc.TotalCommittedBytes >> 20,
            gc.GenerationInfo[0].SizeAfterBytes >> 20, gc.GenerationInfo[1].SizeAfterBytes >> 20, gc.GenerationInfo[2].SizeAfterBytes >> 20,
            gc.GenerationInfo[3].SizeAfterBytes >> 20, gc.GenerationInfo[4].SizeAfterBytes >> 20,
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
    }

    /// <summary>Applies a batch atomically; a batch that would leave a gap ends the stream, which resumes from the applied seq.</summary>
    private async Task ApplyBatchAsync(ChangeBatch batch, Writer writer, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var result = cache.Apply(batch);
        log.LogDebug("Change batch of {Count} changes ending at seq {Seq}: {Outcome} in {Elapsed} ms",
            batch.Changes.Count, batch.LastSeq, result.Outcome, (int)time.GetElapsedTime(started).TotalMilliseconds);
        if (result.Outcome is ApplyOutcome.Gap or ApplyOutcome.Invalid)
        {
            throw new SyncProtocolException($"change batch ending at seq {batch.LastSeq}: {result.Outcome} after applied seq {result.AppliedSeq}");
        }

        bridges.Nudge();
        await writer.WriteAsync(new EdgeMessage { Applied = new AppliedAck { Seq = result.AppliedSeq } }, cancellationToken);
    }

    private List<Guid> AcknowledgedIds(EventsAck ack)
    {
        if (ack.RejectedEventIds.Count > 0)
        {
            log.LogError("The hub refused {Count} events as malformed; they are dropped from the outbox", ack.RejectedEventIds.Count);
        }

        Update(s => s with { EventsUploaded = s.EventsUploaded + ack.EventIds.Count });
        return [.. ack.EventIds.Concat(ack.RejectedEventIds).Select(id => Guid.TryParse(id, out var guid) ? guid : Guid.Empty).Where(id => id != Guid.Empty)];
    }

    /// <summary>
    /// Deletes what the hub acknowledged, everything that has arrived meanwhile in one transaction: a LiteDB
    /// commit costs more than the deletes in it, and the acknowledgements are read on without waiting for it.
    /// An event acknowledged but not yet deleted when the stream breaks is deleted before the next one
    /// starts; should the edge die first, it is sent again and the hub stores it once.
    /// </summary>
    private async Task DeleteAcknowledgedAsync(ChannelReader<IReadOnlyList<Guid>> acknowledged, CancellationToken cancellationToken)
    {
        while (await acknowledged.WaitToReadAsync(cancellationToken))
        {
            DeleteAcknowledged(acknowledged);
        }
    }

    private void DeleteAcknowledged(ChannelReader<IReadOnlyList<Guid>> acknowledged)
    {
        var ids = new List<Guid>();
        while (acknowledged.TryRead(out var more))
        {
            ids.AddRange(more);
        }

        if (ids.Count > 0)
        {
            outbox.Acknowledge(ids);
        }
    }

    /// <summary>
    /// Sends the outbox oldest first, up to <see cref="EdgeSyncOptions.UploadWindow"/> batches ahead of the
    /// acknowledgements. A new stream starts again from the oldest unacknowledged event: what the hub
    /// stored but could not acknowledge before a break is sent again and stored once.
    /// </summary>
    private async Task UploadAsync(Writer writer, SemaphoreSlim window, CancellationToken cancellationToken)
    {
        Guid? last = null;
        while (true)
        {
            var recorded = outbox.Recorded;
            var batch = last is { } after ? outbox.ReadBatch(options.UploadBatchSize, after) : outbox.ReadBatch(options.UploadBatchSize);
            if (batch.Count == 0)
            {
                await recorded.WaitAsync(cancellationToken);
                continue;
            }

            await window.WaitAsync(cancellationToken);
            var events = new EventBatch();
            events.Events.AddRange(batch.Select(OutboxEvents.ToProto));
            await writer.WriteAsync(new EdgeMessage { Events = events }, cancellationToken);
            last = batch[^1].Id;
        }
    }

    private async Task HeartbeatAsync(Writer writer, TimeSpan interval, CancellationToken cancellationToken)
    {
        while (true)
        {
            var readerList = readers.SelectMany(r => r.Readers).ToList();
            var health = new EdgeHealth
            {
                AppliedSeq = cache.AppliedSeq,
                OutboxDepth = outbox.Depth,
                ReadersOnline = readerList.Count(r => r.Online),
                ReadersTotal = readerList.Count,
                RejectedChanges = cache.RejectedChanges,
                UptimeS = (long)time.GetElapsedTime(_started).TotalSeconds,
                DoorIds = { DrivenDoorIds() },
                Bridges = { bridges.Health() },
            };
            await writer.WriteAsync(
                new EdgeMessage
                {
                    Heartbeat = new Heartbeat { EdgeTime = Timestamp.FromDateTimeOffset(time.GetUtcNow()), SoftwareVersion = EdgeVersion.Current, Health = health },
                },
                cancellationToken);
            await Task.Delay(interval, time, cancellationToken);
        }
    }

    /// <summary>The request stream takes one write at a time; three loops share it.</summary>
    private sealed class Writer(IClientStreamWriter<EdgeMessage> stream) : IDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);

        public void Dispose() => _gate.Dispose();

        public async Task WriteAsync(EdgeMessage message, CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                await stream.WriteAsync(message, cancellationToken);
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}

/// <summary>The hub sent something this edge cannot follow; the stream is ended and started again.</summary>
public sealed class SyncProtocolException(string message) : Exception(message);
