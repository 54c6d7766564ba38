using System.Globalization;
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
/// Stripe's events at POST /api/v1/webhooks/stripe. The signature (HMAC-SHA256 of "t.payload" with the endpoint
/// secret) and its timestamp (at most 5 minutes from the hub's clock) are checked by Stripe.net before anything is
/// read; each event id is stored in the transaction that applies it, so a redelivered event changes nothing; and every
/// change is one that cannot be undone by an older event arriving late (a failure never un-pays, an attempt fails once).
/// </summary>
internal sealed partial class StripeWebhook(
    NpgsqlDataSource db, StripeOptions options, TimeProvider time, PaymentCollector collector, IPaymentGateway gateway, ILogger<StripeWebhook> logger)
{
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public async Task<WebhookOutcome> HandleAsync(string payload, string? signature, CancellationToken cancellationToken)
    {
        Event stripeEvent;
        try
        {
            if (string.IsNullOrEmpty(options.WebhookSecret) || string.IsNullOrEmpty(signature))
            {
                return WebhookOutcome.Refused;
            }

            stripeEvent = EventUtility.ConstructEvent(
                payload, signature, options.WebhookSecret, (long)Tolerance.TotalSeconds, time.GetUtcNow().ToUnixTimeSeconds(), throwOnApiVersionMismatch: false);
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
                "INSERT INTO stripe_events (id, type, received_at) VALUES (@Id, @Type, @now) ON CONFLICT (id) DO NOTHING",
                new { stripeEvent.Id, stripeEvent.Type, now },
                tx,
                cancellationToken: cancellationToken));
            if (fresh == 0)
            {
                return WebhookOutcome.AlreadyProcessed;
            }

            var applied = true;
            switch (stripeEvent.Data.Object)
            {
                case PaymentIntent intent when stripeEvent.Type == EventTypes.PaymentIntentSucceeded && AttemptOf(intent) is { } attempt:
                    effect = await PaymentCollector.SucceededAsync(conn, tx, attempt.InvoiceId, attempt.Number, intent.Id, now, cancellationToken);
                    break;
                case PaymentIntent intent when stripeEvent.Type == EventTypes.PaymentIntentPaymentFailed && AttemptOf(intent) is { } attempt:
                    effect = await collector.FailedAsync(
                        conn, tx, attempt.InvoiceId, attempt.Number, intent.Id, intent.LastPaymentError?.DeclineCode ?? intent.LastPaymentError?.Code, now, cancellationToken);
                    break;
                case SetupIntent setup when stripeEvent.Type == EventTypes.SetupIntentSucceeded && setup.CustomerId is not null && setup.PaymentMethodId is not null:
                    if (await SaveCardAsync(conn, tx, setup.CustomerId, setup.PaymentMethodId, new DateTimeOffset(DateTime.SpecifyKind(stripeEvent.Created, DateTimeKind.Utc)), now, cancellationToken))
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

        if (savedCard is { } card)
        {
            await SetDefaultCardAsync(card.Customer, card.PaymentMethod, cancellationToken);
        }

        await collector.AfterAsync(effect, cancellationToken);
        return WebhookOutcome.Applied;
    }

    /// <summary>
    /// Checkout in setup mode attaches the card but, at Stripe, does not make it the customer's default; the hub does, so
    /// Stripe's dashboard and receipts show the card the hub charges. The hub names the card on every charge itself, so a
    /// failure here is logged and changes nothing else.
    /// </summary>
    private async Task SetDefaultCardAsync(string customerId, string paymentMethodId, CancellationToken cancellationToken)
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
    /// one are tried again now. A card saved before an older one's event arrives keeps the newer card.
    /// </summary>
    private static async Task<bool> SaveCardAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, string customerId, string paymentMethodId, DateTimeOffset created, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var saved = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE billing_customers SET payment_method_id = @paymentMethodId, payment_method_at = @created, updated_at = @now
            WHERE stripe_customer_id = @customerId AND (payment_method_at IS NULL OR payment_method_at <= @created)
            """,
            new { customerId, paymentMethodId, created, now },
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
