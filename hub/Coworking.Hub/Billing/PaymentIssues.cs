using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Coworking.Hub.Http;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Billing;

/// <summary>Why a successful PaymentIntent settled nothing.</summary>
public enum PaymentIssueReason
{
    /// <summary>It took another amount than the attempt asked for.</summary>
    Amount,

    /// <summary>It took another currency than the attempt asked for.</summary>
    Currency,

    /// <summary>Its metadata names no card attempt the hub made through this account and organisation.</summary>
    UnknownAttempt,

    /// <summary>The attempt it names was made with another PaymentIntent.</summary>
    OtherIntent,
}

/// <summary>
/// A successful PaymentIntent that did not pay its invoice, for an operator to look at: what it took, what the attempt
/// had asked for, and whether someone resolved it (refunded at Stripe, recorded the payment by hand, …).
/// </summary>
public sealed record PaymentIssueResponse(
    Guid Id, Guid? InvoiceId, int? Attempt, PaymentIssueReason Reason, string PaymentIntentId, long AmountMinor, string Currency,
    long? ExpectedAmountMinor, string? ExpectedCurrency, DateTimeOffset ReceivedAt, DateTimeOffset? ResolvedAt, string? Resolution);

public sealed record ResolvePaymentIssueRequest(string? Resolution);

/// <summary>Payment issues: recorded by the collector and the webhook, listed and resolved by operators.</summary>
internal sealed class PaymentIssues(TenantDataSource db, TimeProvider time)
{
    private const string Columns = """
        p.id, p.invoice_id, p.attempt, p.reason, p.payment_intent_id, p.amount_minor, p.currency, p.expected_amount_minor,
        p.expected_currency::text AS expected_currency, p.received_at, p.resolved_at, p.resolution
        """;

    /// <summary>
    /// Records the issue once per PaymentIntent and organisation. An invoice it names (within the organisation the account belongs to) is
    /// flagged and no longer collected by card: its attempt is closed as failed, so a new one is made only when an
    /// operator asks (POST /invoices/{id}/collect).
    /// </summary>
    public static async Task RecordAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, SucceededIntent paid, PaymentIssueReason reason, long? expectedAmount, string? expectedCurrency,
        DateTimeOffset now, CancellationToken cancellationToken) =>
        await conn.ExecuteAsync(new CommandDefinition(
            """
            WITH invoice AS (
                SELECT id, organisation_id FROM invoices
                WHERE id = @invoiceId AND (@organisationId::uuid IS NULL OR organisation_id = @organisationId)),
            recorded AS (
                INSERT INTO payment_issues
                    (id, organisation_id, invoice_id, attempt, reason, payment_intent_id, stripe_event_id, amount_minor, currency,
                     expected_amount_minor, expected_currency, received_at)
                SELECT @id, coalesce(@organisationId, (SELECT organisation_id FROM invoice)), (SELECT id FROM invoice), @attempt, @reason,
                       @paymentIntentId, @eventId, @amount, @currency, @expectedAmount, @expectedCurrency, @now
                ON CONFLICT ((coalesce(organisation_id, '00000000-0000-0000-0000-000000000000'::uuid)), payment_intent_id) DO NOTHING
                RETURNING invoice_id),
            closed AS (
                UPDATE payment_attempts SET status = 'failed', failure = 'payment_issue', updated_at = @now
                WHERE invoice_id = (SELECT invoice_id FROM recorded) AND attempt = @attempt AND status = 'pending' AND @known)
            UPDATE invoice_collection SET next_attempt_at = NULL, updated_at = @now
            WHERE invoice_id = (SELECT invoice_id FROM recorded) AND status = 'open'
            """,
            new
            {
                id = Guid.CreateVersion7(now),
                invoiceId = paid.InvoiceId,
                organisationId = paid.OrganisationId,
                attempt = paid.Attempt,
                reason = reason.ToDb(),
                paymentIntentId = paid.PaymentIntentId,
                eventId = paid.StripeEventId,
                amount = paid.AmountMinor,
                currency = paid.Currency.Length > 10 ? paid.Currency[..10] : paid.Currency,
                expectedAmount,
                expectedCurrency,
                known = expectedAmount is not null,
                now,
            },
            tx,
            cancellationToken: cancellationToken));

    /// <summary>
    /// The organisation's issues, newest first; <paramref name="open"/> true only the unresolved ones. A location manager
    /// sees those of invoices of members at home in its locations.
    /// </summary>
    public async Task<Page<PaymentIssueResponse>> ListAsync(
        Caller caller, bool? open, Guid? invoiceId, int limit, PageCursor? after, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = (await conn.QueryAsync<IssueRow>(new CommandDefinition(
            $"""
            SELECT {Columns}
            FROM payment_issues p LEFT JOIN invoices i ON i.id = p.invoice_id LEFT JOIN members m ON m.id = i.member_id
            WHERE p.organisation_id = @organisationId
              AND (@scope::uuid[] IS NULL OR m.home_location_id = ANY(@scope))
              AND (@open::boolean IS NULL OR (p.resolved_at IS NULL) = @open)
              AND (@invoiceId::uuid IS NULL OR p.invoice_id = @invoiceId)
              AND (@afterAt::timestamptz IS NULL OR (p.received_at, p.id) < (@afterAt, @afterId))
            ORDER BY p.received_at DESC, p.id DESC
            LIMIT @take
            """,
            new { organisationId = caller.OrganisationId, scope = caller.Scope, open, invoiceId, afterAt = after?.At, afterId = after?.Id ?? Guid.Empty, take = limit + 1 },
            cancellationToken: cancellationToken))).ToList();
        return PageOf.Rows(rows, limit, r => new PageCursor(r.ReceivedAt, r.Id), r => r.ToResponse());
    }

    /// <summary>Marks an issue resolved with what was done; null when the caller cannot see it.</summary>
    public async Task<PaymentIssueResponse?> ResolveAsync(Caller caller, Guid id, string resolution, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<IssueRow>(new CommandDefinition(
            $"""
            WITH seen AS (
                SELECT p.id FROM payment_issues p LEFT JOIN invoices i ON i.id = p.invoice_id LEFT JOIN members m ON m.id = i.member_id
                WHERE p.id = @id AND p.organisation_id = @organisationId AND (@scope::uuid[] IS NULL OR m.home_location_id = ANY(@scope))),
            resolved AS (
                UPDATE payment_issues p SET resolved_at = coalesce(p.resolved_at, @now), resolution = @resolution, resolved_by_kind = @actorKind, resolved_by_id = @actorId
                WHERE p.id IN (SELECT id FROM seen)
                RETURNING p.*)
            SELECT {Columns} FROM resolved p
            """,
            new { id, organisationId = caller.OrganisationId, scope = caller.Scope, now = time.GetUtcNow(), resolution, actorKind = caller.Actor.Kind.ToDb(), actorId = caller.Actor.Id },
            cancellationToken: cancellationToken));
        return row?.ToResponse();
    }

    private sealed record IssueRow
    {
        public Guid Id { get; init; }

        public Guid? InvoiceId { get; init; }

        public int? Attempt { get; init; }

        public string Reason { get; init; } = string.Empty;

        public string PaymentIntentId { get; init; } = string.Empty;

        public long AmountMinor { get; init; }

        public string Currency { get; init; } = string.Empty;

        public long? ExpectedAmountMinor { get; init; }

        public string? ExpectedCurrency { get; init; }

        public DateTimeOffset ReceivedAt { get; init; }

        public DateTimeOffset? ResolvedAt { get; init; }

        public string? Resolution { get; init; }

        public PaymentIssueResponse ToResponse() => new(
            Id, InvoiceId, Attempt, DbText.Parse<PaymentIssueReason>(Reason), PaymentIntentId, AmountMinor, Currency, ExpectedAmountMinor,
            ExpectedCurrency?.Trim(), ReceivedAt, ResolvedAt, Resolution);
    }
}
