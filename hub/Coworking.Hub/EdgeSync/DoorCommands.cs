using System.Collections.Concurrent;
using Coworking.Hub.Database;
using Coworking.Proto.V1;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Coworking.Hub.EdgeSync;

/// <summary>A door command as a session sends it.</summary>
internal sealed record PendingDoorCommand(Guid Id, Guid DoorId, int UnlockMs, string Actor, DateTimeOffset ExpiresAt);

/// <summary>What came of a remote unlock, as the API reports it.</summary>
internal enum DoorCommandState
{
    /// <summary>An edge answered; see the outcome.</summary>
    Answered,

    /// <summary>No edge of the location is connected: nothing was sent.</summary>
    NoEdgeConnected,

    /// <summary>No edge answered in time (none that is connected drives the door, or it did not answer).</summary>
    TimedOut,
}

internal sealed record DoorCommandAnswer(DoorCommandState State, Guid CommandId, string? Outcome = null, Guid? EdgeId = null, DateTimeOffset? AnsweredAt = null);

/// <summary>
/// Remote unlock between hub instances (docs/SYNC.md, "Door commands"). Any instance takes the API request and writes
/// a door_commands row, then NOTIFYs; the instance holding the stream of an edge that drives the door (Hello.door_ids)
/// claims the row (FOR UPDATE SKIP LOCKED: one edge gets it), sends it down the stream, and records the edge's
/// DoorCommandResult in the row with another NOTIFY, which wakes the waiting request. A request waits at most
/// <see cref="EdgeSyncOptions.RemoteUnlockTimeout"/>; the command expires then, so an edge reached later does not act on it.
/// </summary>
internal sealed class DoorCommands(TenantDataSource db, TimeProvider time, IOptions<EdgeSyncOptions> options) : INotificationListener
{
    public const string RequestChannel = "door_command";
    public const string ResultChannel = "door_command_result";

    private static readonly TimeSpan RowPoll = TimeSpan.FromMilliseconds(500);

    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _answers = new();
    private readonly ConcurrentDictionary<Subscription, byte> _subscriptions = new();

    IReadOnlyCollection<string> INotificationListener.Channels { get; } = [RequestChannel, ResultChannel];

    void INotificationListener.Listening()
    {
        foreach (var subscription in _subscriptions.Keys)
        {
            subscription.Wake();
        }
    }

    void INotificationListener.Lost()
    {
        // Sessions and waiting requests read the table on their own interval until notifications are back.
    }

    void INotificationListener.Heard(string channel, string payload)
    {
        if (!Guid.TryParse(payload, out var id))
        {
            return;
        }

        if (channel == RequestChannel)
        {
            foreach (var subscription in _subscriptions.Keys.Where(s => s.LocationId == id))
            {
                subscription.Wake();
            }
        }
        else if (_answers.TryGetValue(id, out var answer))
        {
            answer.TrySetResult();
        }
    }

    /// <summary>Sends an unlock of the door to the location's edges and waits for the answer.</summary>
    public async Task<DoorCommandAnswer> UnlockAsync(Guid locationId, Guid doorId, int unlockMs, string actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        var timeout = options.Value.RemoteUnlockTimeout;
        await using (var conn = await db.OpenConnectionAsync(cancellationToken))
        {
            var connected = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                """
                SELECT EXISTS (SELECT 1 FROM edges WHERE location_id = @locationId AND revoked_at IS NULL AND connected_since IS NOT NULL
                                 AND last_contact_at > @fresh)
                """,
                new { locationId, fresh = now - (3 * options.Value.HeartbeatInterval) },
                cancellationToken: cancellationToken));
            if (!connected)
            {
                return new DoorCommandAnswer(DoorCommandState.NoEdgeConnected, id);
            }

            var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _answers[id] = answered;
            try
            {
                await conn.ExecuteAsync(new CommandDefinition(
                    """
                    INSERT INTO door_commands (id, location_id, door_id, unlock_ms, actor, requested_at, expires_at)
                    VALUES (@id, @locationId, @doorId, @unlockMs, @actor, @now, @expiresAt);
                    SELECT pg_notify(@channel, @locationText);
                    """,
                    new { id, locationId, doorId, unlockMs, actor, now, expiresAt = now + timeout, channel = RequestChannel, locationText = locationId.ToString() },
                    cancellationToken: cancellationToken));
            }
            catch
            {
                _answers.TryRemove(id, out _);
                throw;
            }
        }

        try
        {
            var deadline = now + timeout;
            while (true)
            {
                if (await ReadAnswerAsync(id, cancellationToken) is { } answer)
                {
                    return answer;
                }

                var left = deadline - time.GetUtcNow();
                if (left <= TimeSpan.Zero)
                {
                    return new DoorCommandAnswer(DoorCommandState.TimedOut, id);
                }

                await Task.WhenAny(_answers[id].Task, Task.Delay(left < RowPoll ? left : RowPoll, time, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            _answers.TryRemove(id, out _);
        }
    }

    /// <summary>Wakes when a command for the location is written; dispose to stop.</summary>
    public Subscription Subscribe(Guid locationId)
    {
        var subscription = new Subscription(this, locationId);
        _subscriptions[subscription] = 0;
        return subscription;
    }

    /// <summary>Claims the location's unsent, unexpired commands for doors the edge drives.</summary>
    public async Task<IReadOnlyList<PendingDoorCommand>> ClaimAsync(Guid locationId, Guid edgeId, IReadOnlyCollection<Guid> doorIds, CancellationToken cancellationToken)
    {
        if (doorIds.Count == 0)
        {
            return [];
        }

        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<CommandRow>(new CommandDefinition(
            """
            UPDATE door_commands SET edge_id = @edgeId, sent_at = @now
            WHERE id IN (SELECT id FROM door_commands
                         WHERE location_id = @locationId AND sent_at IS NULL AND expires_at > @now AND door_id = ANY(@doorIds)
                         ORDER BY requested_at FOR UPDATE SKIP LOCKED)
            RETURNING id, door_id, unlock_ms, actor, expires_at
            """,
            new { locationId, edgeId, doorIds = doorIds.ToArray(), now = time.GetUtcNow() },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new PendingDoorCommand(r.Id, r.DoorId, r.UnlockMs, r.Actor, r.ExpiresAt))];
    }

    /// <summary>Records the edge's answer to a command it was sent, and wakes the request waiting for it.</summary>
    public async Task RecordResultAsync(Guid edgeId, DoorCommandResult result, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(result.CommandId, out var id))
        {
            return;
        }

        var outcome = result.Outcome switch
        {
            DoorCommandOutcome.Unlocked => "unlocked",
            DoorCommandOutcome.UnknownDoor => "unknown_door",
            DoorCommandOutcome.Expired => "expired",
            _ => "hardware_failed",
        };
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            WITH answered AS (
                UPDATE door_commands SET outcome = @outcome, answered_at = @now
                WHERE id = @id AND edge_id = @edgeId AND outcome IS NULL RETURNING id
            )
            SELECT pg_notify(@channel, id::text) FROM answered
            """,
            new { id, edgeId, outcome, now = time.GetUtcNow(), channel = ResultChannel },
            cancellationToken: cancellationToken));
    }

    public static DoorCommand ToProto(PendingDoorCommand command) => new()
    {
        CommandId = command.Id.ToString(),
        DoorId = command.DoorId.ToString(),
        UnlockMs = command.UnlockMs,
        Actor = command.Actor,
        ExpiresAt = Timestamp.FromDateTimeOffset(command.ExpiresAt),
    };

    private async Task<DoorCommandAnswer?> ReadAnswerAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<AnswerRow>(new CommandDefinition(
            "SELECT outcome, edge_id, answered_at FROM door_commands WHERE id = @id",
            new { id },
            cancellationToken: cancellationToken));
        return row?.Outcome is null ? null : new DoorCommandAnswer(DoorCommandState.Answered, id, row.Outcome, row.EdgeId, row.AnsweredAt);
    }

    private sealed record CommandRow
    {
        public Guid Id { get; init; }

        public Guid DoorId { get; init; }

        public int UnlockMs { get; init; }

        public string Actor { get; init; } = string.Empty;

        public DateTimeOffset ExpiresAt { get; init; }
    }

    private sealed record AnswerRow
    {
        public string? Outcome { get; init; }

        public Guid? EdgeId { get; init; }

        public DateTimeOffset? AnsweredAt { get; init; }
    }

    /// <summary>One edge stream's wake-up for new commands. A wake while nobody waits is remembered until the next wait.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly DoorCommands _owner;
        private readonly WakeSignal _signal = new();

        internal Subscription(DoorCommands owner, Guid locationId)
        {
            _owner = owner;
            LocationId = locationId;
        }

        public Guid LocationId { get; }

        public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

        public void Dispose()
        {
            _owner._subscriptions.TryRemove(this, out _);
            _signal.Dispose();
        }

        internal void Wake() => _signal.Wake();
    }
}
