using Coworking.Hub.Database;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Billing;

/// <summary>
/// A PaymentIntent Stripe reports as succeeded: through which account (and, for an organisation's own, which
/// organisation), the attempt its metadata names, and what it took.
/// </summary>
internal sealed record SucceededIntent(
    StripeAccountKind Account, Guid? OrganisationId, Guid? InvoiceId, int? Attempt, string PaymentIntentId, long AmountMinor, string Currency, string? StripeEventId);

/// <summary>What a recorded payment outcome leaves to do after its transaction commits.</summary>
internal sealed record OutcomeEffect(Guid MemberId, Guid InvoiceId, bool Paid, bool Failed, DateTimeOffset? NextAttempt, bool OutOfRetries);

/// <summary>
/// Collects open invoices by card: each attempt is a row (invoice, attempt number) made before Stripe is called, so its
/// idempotency key ("invoice-{id}-attempt-{n}") is the same if the hub stops and tries again; the outcome comes back at
/// once or by webhook, and whichever arrives first records it (<see cref="SucceededAsync"/>, <see cref="FailedAsync"/>)
/// while the other finds nothing left to change. A failure schedules the next try (Billing:RetryDays or RetryDelays) or, after
/// Billing:SuspendAfterFailures, suspends the member; a success reinstates them.
/// </summary>
internal sealed partial class PaymentCollector(
    TenantDataSource db, StripeAccounts accounts, TimeProvider time, BillingOptions options, Dunning dunning, BillingMail mail, ILogger<PaymentCollector> logger)
{
    /// <summary>A claimed attempt that has not reported back within this is tried again, with the same idempotency key.</summary>
    private static readonly TimeSpan Lease = TimeSpan.FromHours(1);

    /// <summary>Tries every open invoice whose next attempt is due; answers how many were tried.</summary>
    public async Task<int> CollectDueAsync(CancellationToken cancellationToken)
    {
        using var system = TenantScope.System("the billing run: payments due in every organisation");
        var tried = 0;
        var seen = new HashSet<Guid>();
        while (true)
        {
            IReadOnlyList<Guid> due;
            await using (var conn = await db.OpenConnectionAsync(cancellationToken))
            {
                due = [.. await conn.QueryAsync<Guid>(new CommandDefinition(
                    """
                    SELECT invoice_id FROM invoice_collection
                    WHERE status = 'open' AND next_attempt_at <= @now AND invoice_id <> ALL(@seen)
                    ORDER BY next_attempt_at LIMIT 200
                    """,
                    new { now = time.GetUtcNow(), seen = seen.ToArray() },
                    cancellationToken: cancellationToken))];
            }

            if (due.Count == 0)
            {
                return tried;
            }

            foreach (var invoice in due)
            {
                seen.Add(invoice);
                tried += await CollectAsync(invoice, cancellationToken) ? 1 : 0;
            }
        }
    }

    /// <summary>Makes the next card attempt for one invoice if it is due; false when there was nothing to try.</summary>
    public async Task<bool> CollectAsync(Guid invoiceId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        Claim? claim;
        await using (var conn = await db.OpenConnectionAsync(cancellationToken))
        await using (var tx = await conn.BeginTransactionAsync(cancellationToken))
        {
            claim = await conn.QuerySingleOrDefaultAsync<Claim>(new CommandDefinition(
                """
                SELECT c.invoice_id, c.amount_due_minor, i.currency::text AS currency, i.organisation_id, i.member_id, i.number, bc.stripe_customer_id, bc.payment_method_id
                FROM invoice_collection c JOIN invoices i ON i.id = c.invoice_id LEFT JOIN billing_customers bc ON bc.member_id = i.member_id
                WHERE c.invoice_id = @invoiceId AND c.status = 'open' AND c.next_attempt_at <= @now
                FOR UPDATE OF c SKIP LOCKED
                """,
                new { invoiceId, now },
                tx,
                cancellationToken: cancellationToken));
            if (claim is null)
            {
                return false;
            }

            var account = await accounts.ForOrganisationAsync(claim.OrganisationId, cancellationToken);
            if (account is null || claim.StripeCustomerId is null || claim.PaymentMethodId is null)
            {
                // Nothing to charge: the invoice waits for a saved card (which re-arms it) or for an operator.
                await conn.ExecuteAsync(new CommandDefinition(
                    "UPDATE invoice_collection SET next_attempt_at = NULL, updated_at = @now WHERE invoice_id = @invoiceId",
                    new { invoiceId, now },
                    tx,
                    cancellationToken: cancellationToken));
                await tx.CommitAsync(cancellationToken);
                return false;
            }

            // A pending attempt is tried again as it was asked (its idempotency key stands for that amount); a new one asks
            // for what is due now, through the organisation's account, and remembers both.
            var made = await conn.QuerySingleAsync<(int Attempt, long AmountMinor, string Currency)>(new CommandDefinition(
                """
                WITH pending AS (SELECT attempt, amount_minor, currency::text AS currency FROM payment_attempts WHERE invoice_id = @invoiceId AND status = 'pending'),
                made AS (
                    INSERT INTO payment_attempts (invoice_id, attempt, status, amount_minor, currency, stripe_account, created_at, updated_at)
                    SELECT @invoiceId, coalesce(max(attempt), 0) + 1, 'pending', @due, @currency, @account, @now, @now FROM payment_attempts
                    WHERE invoice_id = @invoiceId AND NOT EXISTS (SELECT 1 FROM pending)
                    RETURNING attempt, amount_minor, currency::text AS currency)
                SELECT attempt, amount_minor, currency FROM pending UNION ALL SELECT attempt, amount_minor, currency FROM made
                """,
                new { invoiceId, due = claim.AmountDueMinor, currency = claim.Currency.Trim(), account = account.Kind.ToDb(), now },
                tx,
                cancellationToken: cancellationToken));
            claim = claim with { Attempt = made.Attempt, AmountDueMinor = made.AmountMinor, Currency = made.Currency.Trim(), Account = account };
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE invoice_collection SET next_attempt_at = @lease, updated_at = @now WHERE invoice_id = @invoiceId",
                new { invoiceId, lease = now + Lease, now },
                tx,
                cancellationToken: cancellationToken));
            await tx.CommitAsync(cancellationToken);
        }

        var outcome = await claim.Account!.Gateway.ChargeAsync(
            claim.StripeCustomerId!, claim.PaymentMethodId!, new Money(claim.AmountDueMinor, claim.Currency), invoiceId, claim.Attempt,
            $"Invoice {InvoiceResponse.FormatNumber(InvoiceKind.Invoice, claim.Number)}", $"invoice-{invoiceId}-attempt-{claim.Attempt}", cancellationToken);
        LogAttempt(logger, invoiceId, claim.Attempt, outcome.Status, outcome.FailureCode);
        if (outcome.Status == ChargeStatus.Pending || (outcome.Status == ChargeStatus.Succeeded && outcome.PaymentIntentId is null))
        {
            return true;
        }

        await using (var conn = await db.OpenConnectionAsync(cancellationToken))
        await using (var tx = await conn.BeginTransactionAsync(cancellationToken))
        {
            var effect = outcome.Status == ChargeStatus.Succeeded
                ? await SucceededAsync(
                    conn,
                    tx,
                    new SucceededIntent(claim.Account.Kind, claim.OrganisationId, invoiceId, claim.Attempt, outcome.PaymentIntentId!, outcome.ChargedMinor, outcome.ChargedCurrency, null),
                    logger,
                    time.GetUtcNow(),
                    cancellationToken)
                : await FailedAsync(conn, tx, invoiceId, claim.Attempt, outcome.PaymentIntentId, outcome.FailureCode, time.GetUtcNow(), cancellationToken);
            await tx.CommitAsync(cancellationToken);
            await AfterAsync(effect, cancellationToken);
        }

        return true;
    }

    /// <summary>
    /// Records that a PaymentIntent succeeded. It pays the invoice only when it is the attempt's (same account, same
    /// organisation, the attempt's PaymentIntent if one is known) and its amount and currency are what the attempt asked
    /// for; anything else becomes a payment issue for an operator, stops collecting the invoice by card (a retry could
    /// charge the member twice) and settles nothing. Once either way: the PaymentIntent is unique among payments and issues.
    /// </summary>
    public static async Task<OutcomeEffect?> SucceededAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, SucceededIntent paid, ILogger logger, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var asked = paid.InvoiceId is { } invoiceId && paid.Attempt is { } attempt
            ? await conn.QuerySingleOrDefaultAsync<AskedRow>(new CommandDefinition(
                """
                SELECT a.amount_minor, a.currency::text AS currency, a.payment_intent_id, i.organisation_id, i.member_id
                FROM payment_attempts a JOIN invoices i ON i.id = a.invoice_id
                WHERE a.invoice_id = @invoiceId AND a.attempt = @attempt AND a.stripe_account = @account
                  AND (@organisationId::uuid IS NULL OR i.organisation_id = @organisationId)
                FOR UPDATE OF a
                """,
                new { invoiceId, attempt, account = paid.Account.ToDb(), organisationId = paid.OrganisationId },
                tx,
                cancellationToken: cancellationToken))
            : null;
        // The money first: an operator deciding what to refund needs to know the amount or currency was wrong.
        var reason = asked switch
        {
            null => PaymentIssueReason.UnknownAttempt,
            _ when !string.Equals(asked.Currency.Trim(), paid.Currency, StringComparison.OrdinalIgnoreCase) => PaymentIssueReason.Currency,
            _ when asked.AmountMinor != paid.AmountMinor => PaymentIssueReason.Amount,
            { PaymentIntentId: { } known } when known != paid.PaymentIntentId => PaymentIssueReason.OtherIntent,
            _ => (PaymentIssueReason?)null,
        };
        if (reason is { } issue)
        {
            await PaymentIssues.RecordAsync(conn, tx, paid, issue, asked?.AmountMinor, asked?.Currency.Trim(), now, cancellationToken);
            LogIssue(logger, paid.PaymentIntentId, paid.InvoiceId, issue);
            return null;
        }

        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE payment_attempts SET status = 'succeeded', payment_intent_id = coalesce(payment_intent_id, @paymentIntentId), failure = NULL, updated_at = @now
            WHERE invoice_id = @invoiceId AND attempt = @attempt
            """,
            new { invoiceId = paid.InvoiceId, attempt = paid.Attempt, paymentIntentId = paid.PaymentIntentId, now },
            tx,
            cancellationToken: cancellationToken));
        var outcome = await InvoiceStore.PayAsync(
            conn, tx, null, asked!.OrganisationId, paid.InvoiceId!.Value, PaymentMethodKind.Card, null, paid.PaymentIntentId, now, cancellationToken);
        return new OutcomeEffect(asked.MemberId, paid.InvoiceId.Value, outcome == InvoiceWrite.Done, false, null, false);
    }

    /// <summary>
    /// Records that an attempt failed, once (pending → failed), and schedules the next one; a failure reported after the
    /// invoice was paid, or twice, changes nothing.
    /// </summary>
    public async Task<OutcomeEffect?> FailedAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid invoiceId, int attempt, string? paymentIntentId, string? failureCode, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var changed = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE payment_attempts SET status = 'failed', failure = @failureCode, payment_intent_id = coalesce(payment_intent_id, @paymentIntentId), updated_at = @now
            WHERE invoice_id = @invoiceId AND attempt = @attempt AND status = 'pending'
            """,
            new { invoiceId, attempt, paymentIntentId, failureCode = failureCode is { Length: > 100 } ? failureCode[..100] : failureCode, now },
            tx,
            cancellationToken: cancellationToken));
        if (changed == 0)
        {
            return null;
        }

        var open = await conn.QuerySingleOrDefaultAsync<(int Failures, Guid MemberId)?>(new CommandDefinition(
            """
            SELECT c.failed_attempts + 1, i.member_id FROM invoice_collection c JOIN invoices i ON i.id = c.invoice_id
            WHERE c.invoice_id = @invoiceId AND c.status = 'open' FOR UPDATE OF c
            """,
            new { invoiceId },
            tx,
            cancellationToken: cancellationToken));
        if (open is not { } row)
        {
            return null;
        }

        var outOfRetries = row.Failures >= options.SuspendAfterFailures;
        DateTimeOffset? next = outOfRetries ? null : now + options.RetryDelays[Math.Min(row.Failures, options.RetryDelays.Count) - 1];
        await using var batch = new NpgsqlBatch(conn, tx)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("UPDATE invoice_collection SET failed_attempts = @failures, next_attempt_at = @next, updated_at = @now WHERE invoice_id = @invoiceId")
                {
                    Parameters =
                    {
                        new NpgsqlParameter<int>("failures", row.Failures),
                        new NpgsqlParameter("next", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = (object?)next?.ToUniversalTime() ?? DBNull.Value },
                        new NpgsqlParameter<DateTimeOffset>("now", now.ToUniversalTime()),
                        new NpgsqlParameter<Guid>("invoiceId", invoiceId),
                    },
                },

                // The member is told in the transaction that records the failure, so no failure goes untold.
                BillingMail.PaymentFailedCommand(invoiceId, next, outOfRetries, now),
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return new OutcomeEffect(row.MemberId, invoiceId, false, true, next, outOfRetries);
    }

    /// <summary>
    /// After an outcome committed: reinstate a paid-up member; after a failure, suspend when out of retries and wake the
    /// mail sender for the e-mail the failure queued.
    /// </summary>
    public async Task AfterAsync(OutcomeEffect? effect, CancellationToken cancellationToken)
    {
        if (effect is null)
        {
            return;
        }

        if (effect.Paid)
        {
            await dunning.PaidAsync(effect.MemberId, cancellationToken);
            return;
        }

        if (effect.Failed)
        {
            if (effect.OutOfRetries)
            {
                await dunning.SuspendAsync(effect.MemberId, cancellationToken);
            }

            mail.WakeSender();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "PaymentIntent {PaymentIntentId} succeeded but settles nothing (invoice {InvoiceId}): {Reason}; flagged for an operator")]
    private static partial void LogIssue(ILogger logger, string paymentIntentId, Guid? invoiceId, PaymentIssueReason reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Card attempt {Attempt} for invoice {InvoiceId}: {Status} {FailureCode}")]
    private static partial void LogAttempt(ILogger logger, Guid invoiceId, int attempt, ChargeStatus status, string? failureCode);

    private sealed record Claim
    {
        public Guid InvoiceId { get; init; }

        public long AmountDueMinor { get; init; }

        public string Currency { get; init; } = string.Empty;

        public Guid OrganisationId { get; init; }

        public Guid MemberId { get; init; }

        public long Number { get; init; }

        public string? StripeCustomerId { get; init; }

        public string? PaymentMethodId { get; init; }

        public int Attempt { get; init; }

        public StripeAccount? Account { get; init; }
    }

    private sealed record AskedRow
    {
        public long AmountMinor { get; init; }

        public string Currency { get; init; } = string.Empty;

        public string? PaymentIntentId { get; init; }

        public Guid OrganisationId { get; init; }

        public Guid MemberId { get; init; }
    }
}
