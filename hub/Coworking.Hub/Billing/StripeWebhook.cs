using System.Globalization;
using Coworking.Hub.Database;
using Dapper;
using Npgsql;
using Stripe;

namespace Coworking.Hub.Billing;

internal enum WebhookOutcome
{
    Applied,
    AlreadyProcessed,
    Ignored,
    Refused,
}

/// <summary>
/// Stripe's events: at POST /api/v1/webhooks/stripe/{organisationId} from an organisation's own account (signed with its
/// webhook secret, able to settle only its invoices), at POST /api/v1/webhooks/stripe from the hub-wide account. The signature (HMAC-SHA256 of "t.payload" with the endpoint
/// secret) and its timestamp (at most 5 minutes from the hub's clock) are checked by Stripe.net before anything is
/// read; each event id is stored (per receiving endpoint) in the transaction that applies it, so a redelivered event changes nothing; and every
/// change is one that cannot be undone by an older event arriving late (a failure never un-pays, an attempt fails once).
/// A succeeded PaymentIntent pays only the attempt it matches (<see cref="PaymentCollector.SucceededAsync"/>).
/// </summary>
internal sealed partial class StripeWebhook(
    TenantDataSource db, StripeAccounts accounts, TimeProvider time, PaymentCollector collector, Telemetry.HubMetrics metrics, ILogger<StripeWebhook> logger)
{
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    /// <param name="organisationId">The organisation whose own account sent the event; null for the hub-wide account.</param>
    public async Task<WebhookOutcome> HandleAsync(string payload, string? signature, Guid? organisationId, CancellationToken cancellationToken)
    {
        var outcome = await HandleOnceAsync(payload, signature, organisationId, cancellationToken);
        metrics.Webhooks.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToDb()));
        return outcome;
    }

    private async Task<WebhookOutcome> HandleOnceAsync(string payload, string? signature, Guid? organisationId, CancellationToken cancellationToken)
    {
        var (kind, gateway, secret) = organisationId is { } organisation
            ? await accounts.OwnAsync(organisation, cancellationToken) is { } own ? (own.Kind, own.Gateway, own.WebhookSecret) : (StripeAccountKind.Organisation, null, null)
            : (StripeAccountKind.Hub, accounts.HubGateway, accounts.HubWebhookSecret);
        Event stripeEvent;
        try
        {
            if (string.IsNullOrEmpty(secret) || string.IsNullOrEmpty(signature))
            {
                return WebhookOutcome.Refused;
            }

            stripeEvent = EventUtility.ConstructEvent(
                payload, signature, secret, (long)Tolerance.TotalSeconds, time.GetUtcNow().ToUnixTimeSeconds(), throwOnApiVersionMismatch: false);
        }
        catch (Exception e) when (e is StripeException or System.Text.Json.JsonException or Newtonsoft.Json.JsonException)
        {
            LogRefused(logger, e.GetType().Name);
            return WebhookOutcome.Refused;
        }

        var now = time.GetUtcNow();
        OutcomeEffect? effect = null;
        (string Customer, string PaymentMethod)? savedCard = null;
        await using (var conn = await db.OpenConnectionAsync(cancellationToken))
        await using (var tx = await conn.BeginTransactionAsync(cancellationToken))
        {
            var fresh = await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO stripe_events (id, type, organisation_id, received_at) VALUES (@Id, @Type, @organisationId, @now)
                ON CONFLICT ((coalesce(organisation_id, '00000000-0000-0000-0000-000000000000'::uuid)), id) DO NOTHING
                """,
                new { stripeEvent.Id, stripeEvent.Type, organisationId, now },
                tx,
                cancellationToken: cancellationToken));
            if (fresh == 0)
            {
                return WebhookOutcome.AlreadyProcessed;
            }

            var applied = true;
            switch (stripeEvent.Data.Object)
            {
                case PaymentIntent intent when stripeEvent.Type == EventTypes.PaymentIntentSucceeded:
                    var named = AttemptOf(intent);
                    effect = await PaymentCollector.SucceededAsync(
                        conn,
                        tx,
                        new SucceededIntent(kind, organisationId, named?.InvoiceId, named?.Number, intent.Id, intent.Amount, intent.Currency ?? string.Empty, stripeEvent.Id),
                        logger,
                        now,
                        cancellationToken);
                    break;
                case PaymentIntent intent when stripeEvent.Type == EventTypes.PaymentIntentPaymentFailed && AttemptOf(intent) is { } attempt
                    && await IsAttemptOfAsync(conn, tx, kind, organisationId, attempt, cancellationToken):
                    effect = await collector.FailedAsync(
                        conn, tx, attempt.InvoiceId, attempt.Number, intent.Id, intent.LastPaymentError?.DeclineCode ?? intent.LastPaymentError?.Code, now, cancellationToken);
                    break;
                case SetupIntent setup when stripeEvent.Type == EventTypes.SetupIntentSucceeded && setup.CustomerId is not null && setup.PaymentMethodId is not null:
                    if (await SaveCardAsync(
                        conn, tx, organisationId, setup.CustomerId, setup.PaymentMethodId, new DateTimeOffset(DateTime.SpecifyKind(stripeEvent.Created, DateTimeKind.Utc)), now, cancellationToken))
                    {
                        savedCard = (setup.CustomerId, setup.PaymentMethodId);
                    }

                    break;
                default:
                    applied = false;
                    break;
            }

            await tx.CommitAsync(cancellationToken);
            LogEvent(logger, stripeEvent.Id, stripeEvent.Type, applied);
            if (!applied)
            {
                return WebhookOutcome.Ignored;
            }
        }

        if (savedCard is { } card && gateway is not null)
        {
            await SetDefaultCardAsync(gateway, card.Customer, card.PaymentMethod, cancellationToken);
        }

        await collector.AfterAsync(effect, cancellationToken);
        return WebhookOutcome.Applied;
    }

    /// <summary>
    /// Checkout in setup mode attaches the card but, at Stripe, does not make it the customer's default; the hub does, so
    /// Stripe's dashboard and receipts show the card the hub charges. The hub names the card on every charge itself, so a
    /// failure here is logged and changes nothing else.
    /// </summary>
    private async Task SetDefaultCardAsync(IPaymentGateway gateway, string customerId, string paymentMethodId, CancellationToken cancellationToken)
    {
        try
        {
            await gateway.SetDefaultCardAsync(customerId, paymentMethodId, cancellationToken);
        }
        catch (Exception e) when (e is StripeException or HttpRequestException)
        {
            LogDefaultCardFailed(logger, customerId, e);
        }
    }

    /// <summary>
    /// A card saved through Checkout becomes the member's card for off-session charges, and open invoices waiting for
    /// one are tried again now. A card saved before an older one's event arrives keeps the newer card. An organisation's
    /// own account reaches only its members' customers.
    /// </summary>
    private static async Task<bool> SaveCardAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid? organisationId, string customerId, string paymentMethodId, DateTimeOffset created, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var saved = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE billing_customers bc SET payment_method_id = @paymentMethodId, payment_method_at = @created, updated_at = @now
            FROM members m
            WHERE m.id = bc.member_id AND bc.stripe_customer_id = @customerId AND (bc.payment_method_at IS NULL OR bc.payment_method_at <= @created)
              AND (@organisationId::uuid IS NULL OR m.organisation_id = @organisationId)
            """,
            new { customerId, paymentMethodId, created, now, organisationId },
            tx,
            cancellationToken: cancellationToken));
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE invoice_collection c SET next_attempt_at = @now, updated_at = @now
            FROM invoices i JOIN billing_customers bc ON bc.member_id = i.member_id
            WHERE c.invoice_id = i.id AND bc.stripe_customer_id = @customerId AND c.status = 'open' AND (c.next_attempt_at IS NULL OR c.next_attempt_at > @now)
            """,
            new { customerId, now },
            tx,
            cancellationToken: cancellationToken));
        return saved > 0;
    }

    /// <summary>Whether the attempt a failed PaymentIntent names was made through the account that reports it.</summary>
    private static async Task<bool> IsAttemptOfAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, StripeAccountKind kind, Guid? organisationId, (Guid InvoiceId, int Number) attempt, CancellationToken cancellationToken) =>
        await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            """
            SELECT EXISTS (
                SELECT 1 FROM payment_attempts a JOIN invoices i ON i.id = a.invoice_id
                WHERE a.invoice_id = @invoiceId AND a.attempt = @number AND a.stripe_account = @account
                  AND (@organisationId::uuid IS NULL OR i.organisation_id = @organisationId))
            """,
            new { attempt.InvoiceId, attempt.Number, account = kind.ToDb(), organisationId },
            tx,
            cancellationToken: cancellationToken));

    private static (Guid InvoiceId, int Number)? AttemptOf(PaymentIntent intent) =>
        intent.Metadata is { } metadata
        && metadata.TryGetValue("invoice_id", out var invoice) && Guid.TryParse(invoice, out var invoiceId)
        && metadata.TryGetValue("attempt", out var attempt) && int.TryParse(attempt, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? (invoiceId, number)
            : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a Stripe webhook: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not make the saved card the default of Stripe customer {CustomerId}")]
    private static partial void LogDefaultCardFailed(ILogger logger, string customerId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stripe event {StripeEventId} ({Type}) processed; applied: {Applied}")]
    private static partial void LogEvent(ILogger logger, string stripeEventId, string type, bool applied);
}
