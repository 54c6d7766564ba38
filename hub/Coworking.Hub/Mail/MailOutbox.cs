using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;
using Dapper;
using MailKit.Net.Smtp;
using MailKit.Security;
using Npgsql;

namespace Coworking.Hub.Mail;

/// <summary>
/// Queues e-mails durably: one row in mail_outbox (what the message is composed from) per message, written in the
/// transaction that makes what it tells of, and a nudge to <see cref="MailOutbox"/> once that commits.
/// </summary>
internal sealed class MailQueue(TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Channel<bool> _wakeUp = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public static T Read<T>(string payload) => JsonSerializer.Deserialize<T>(payload, Json) ?? throw new InvalidOperationException("empty mail payload");

    /// <summary>
    /// Writes the row in <paramref name="tx"/>, so the message is queued exactly when what it tells of commits; the
    /// caller calls <see cref="WakeSender"/> once it has committed (woken earlier, the sender would not see the row).
    /// </summary>
    public async Task QueueAsync<T>(NpgsqlConnection conn, NpgsqlTransaction tx, string kind, T payload, string about, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(conn, tx) { BatchCommands = { Command(kind, payload, about, time.GetUtcNow()) } };
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The INSERT of a row, for a writer that sends it in its own batch before its COMMIT (then calls
    /// <see cref="WakeSender"/>): the message is queued in the very transaction that makes what it tells of.
    /// </summary>
    public static NpgsqlBatchCommand Command<T>(string kind, T payload, string about, DateTimeOffset now) => new(
        """
        INSERT INTO mail_outbox (id, kind, about, payload, created_at, next_attempt_at)
        VALUES (@id, @kind, @about, @payload::jsonb, @now, @now)
        """)
    {
        Parameters =
        {
            new NpgsqlParameter<Guid>("id", Guid.CreateVersion7(now)),
            new NpgsqlParameter<string>("kind", kind),
            new NpgsqlParameter<string>("about", about),
            new NpgsqlParameter<string>("payload", JsonSerializer.Serialize(payload, Json)),
            new NpgsqlParameter<DateTimeOffset>("now", now.ToUniversalTime()),
        },
    };

    /// <summary>Tells the sender that rows were queued (it also looks every 15 seconds).</summary>
    public void WakeSender() => _wakeUp.Writer.TryWrite(true);

    /// <summary>Completes when something was queued since the last call, or when <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _wakeUp.Reader.ReadAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller stopped waiting (its poll interval passed, or the hub is stopping).
        }
    }
}

/// <summary>
/// The durable queue of every e-mail the hub sends — confirmations, visitor passes, invoices, payment failures,
/// renewal reminders (table mail_outbox). A request queues a row (what the message is
/// composed from) in the transaction that makes what it tells of; this worker composes and sends each due row, so
/// a hub that stops with mail queued sends it when it (or another instance) runs again. Rows are claimed a batch at
/// a time with FOR UPDATE SKIP LOCKED and kept locked while they are sent, so two hub instances never send one
/// message twice; a crash between the SMTP server accepting a batch's messages and the batch being marked sent
/// sends them once more (at least once, never lost). When the SMTP server cannot be reached, the rest of the
/// batch is not tried: each of its rows records the failed attempt. A failed
/// attempt is retried with a doubling backoff; after <see cref="MaxAttempts"/> the row is marked failed and logged.
/// Once sent or failed, the payload (it holds the pass's PIN) is erased.
/// </summary>
internal sealed partial class MailOutbox(
    Database.TenantDataSource db, MailQueue queue, IEnumerable<IMailComposer> composers, Mailer mailer, TimeProvider time, ILogger<MailOutbox> logger) : BackgroundService
{
    public const string BookingsKind = "bookings";
    public const string VisitorKind = "visitor";
    public const string InvoiceKind = "invoice";
    public const string PaymentFailedKind = "payment_failed";
    public const string RenewalKind = "renewal";
    public const int MaxAttempts = 12;

    /// <summary>How many rows one transaction claims and one mail session sends.</summary>
    public const int BatchSize = 32;

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromHours(1);

    private readonly Dictionary<string, IMailComposer> _composers = composers.SelectMany(c => c.Kinds, (c, kind) => (c, kind)).ToDictionary(p => p.kind, p => p.c);
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SendDueAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                LogDatabaseFailed(logger, e);
            }

            using var poll = new CancellationTokenSource(PollInterval, time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, poll.Token);
            await queue.WaitAsync(wait.Token);
        }
    }

    /// <summary>Sends every row due now, a batch at a time; the number handled (sent or failed). Tests call it.</summary>
    public async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        using var system = Database.TenantScope.System("the mail outbox: every organisation's messages");
        var handled = 0;
        int claimed;
        do
        {
            claimed = await SendBatchAsync(cancellationToken);
            handled += claimed;
        }
        while (claimed == BatchSize);

        return handled;
    }

    /// <summary>
    /// Claims up to <see cref="BatchSize"/> due rows in one transaction, sends them through one mail session, and
    /// marks them in that transaction: one claim and one commit for the batch, not for each message. A hub that
    /// dies while sending a batch sends that batch again (at least once, never lost).
    /// </summary>
    private async Task<int> SendBatchAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var rows = (await conn.QueryAsync<OutboxRow>(new CommandDefinition(
            """
            SELECT id, kind, about, payload::text AS payload, attempts FROM mail_outbox
            WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= @now
            ORDER BY next_attempt_at, id LIMIT @BatchSize
            FOR UPDATE SKIP LOCKED
            """,
            new { now, BatchSize },
            tx,
            cancellationToken: cancellationToken))).AsList();
        if (rows.Count == 0)
        {
            await tx.CommitAsync(cancellationToken);
            return 0;
        }

        var sent = new List<Guid>(rows.Count);
        await using var marks = new NpgsqlBatch(conn, tx);
        await using (var session = mailer.Open())
        {
            Exception? unreachable = null;
            foreach (var row in rows)
            {
                if (unreachable is not null)
                {
                    marks.BatchCommands.Add(Failed(row, now, unreachable));
                    continue;
                }

                try
                {
                    var composer = _composers.GetValueOrDefault(row.Kind) ?? throw new InvalidOperationException($"no composer for mail of kind {row.Kind}");
                    await session.SendAsync(await composer.ComposeAsync(conn, row.Kind, row.Payload, cancellationToken), cancellationToken);
                    sent.Add(row.Id);
                    LogSent(logger, row.About);
                }
                catch (Exception e) when (e is IOException or SocketException or SmtpCommandException or SmtpProtocolException or AuthenticationException
                    or SslHandshakeException or InvalidOperationException or JsonException)
                {
                    unreachable ??= session.Unreachable ? e : null;
                    marks.BatchCommands.Add(Failed(row, now, e));
                }
            }
        }

        if (sent.Count > 0)
        {
            marks.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE mail_outbox SET sent_at = @now, payload = NULL, attempts = attempts + 1 WHERE id = ANY(@ids)")
            {
                Parameters = { new NpgsqlParameter<DateTimeOffset>("now", time.GetUtcNow().ToUniversalTime()), new NpgsqlParameter<Guid[]>("ids", [.. sent]) },
            });
        }

        marks.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await marks.ExecuteNonQueryAsync(cancellationToken);
        return rows.Count;
    }

    /// <summary>Records a failed attempt at <paramref name="row"/>: due again after the backoff, or given up (and its payload erased).</summary>
    private NpgsqlBatchCommand Failed(OutboxRow row, DateTimeOffset now, Exception e)
    {
        var attempts = row.Attempts + 1;
        var giveUp = attempts >= MaxAttempts;
        if (giveUp)
        {
            LogGaveUp(logger, row.About, attempts, e);
        }
        else
        {
            LogFailed(logger, row.About, attempts, e);
        }

        return new NpgsqlBatchCommand(
            """
            UPDATE mail_outbox SET attempts = @attempts, next_attempt_at = @next,
                failed_at = CASE WHEN @giveUp THEN @now END, payload = CASE WHEN @giveUp THEN NULL ELSE payload END
            WHERE id = @id
            """)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid>("id", row.Id), new NpgsqlParameter<int>("attempts", attempts),
                new NpgsqlParameter<DateTimeOffset>("next", (now + Backoff(attempts)).ToUniversalTime()), new NpgsqlParameter<bool>("giveUp", giveUp),
                new NpgsqlParameter<DateTimeOffset>("now", now.ToUniversalTime()),
            },
        };
    }

    /// <summary>30 s after the first failure, doubling, at most an hour.</summary>
    private static TimeSpan Backoff(int attempts) =>
        TimeSpan.FromTicks(Math.Min(LongestRetry.Ticks, FirstRetry.Ticks << Math.Min(attempts - 1, 20)));

    private sealed record OutboxRow(Guid Id, string Kind, string About, string Payload, int Attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mailed {About}")]
    private static partial void LogSent(ILogger logger, string about);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not mail {About} (attempt {Attempts}); retrying later")]
    private static partial void LogFailed(ILogger logger, string about, int attempts, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gave up mailing {About} after {Attempts} attempts")]
    private static partial void LogGaveUp(ILogger logger, string about, int attempts, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mail outbox: the database is unavailable; retrying")]
    private static partial void LogDatabaseFailed(ILogger logger, Exception exception);
}
