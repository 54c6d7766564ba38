using Coworking.Hub.Auth;
using Coworking.Hub.Http;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Coworking.Hub.Billing;

public sealed record CardSetupRequest(Uri? ReturnUrl = null);

public sealed record CardSetupResponse(Uri Url);

/// <summary>
/// Card payments through Stripe: a page where a member saves a card (Checkout in setup mode), paying an open invoice
/// now with the saved card, and Stripe's webhook (the one route without an API key: Stripe signs it instead).
/// </summary>
public static class PaymentsApi
{
    public const long MaxWebhookBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapPaymentsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/").WithTags("Payments");
        api.MapPost("/members/{id:guid}/card-setup", SetUpCard);
        api.MapPost("/invoices/{id:guid}/collect", CollectNow);
        api.MapPost("/webhooks/stripe", ReceiveStripeEvent).AllowAnonymous();
        return routes;
    }

    internal static async Task<Results<Ok<CardSetupResponse>, ProblemHttpResult, NotFound>> SetUpCard(
        Guid id, CardSetupRequest? request, Caller caller, NpgsqlDataSource db, IPaymentGateway gateway, BillingOptions options, TimeProvider time,
        IConfiguration configuration, HttpRequest http, CancellationToken cancellationToken)
    {
        if (!gateway.IsConfigured)
        {
            return Problems.Unprocessable("id", "card payments are not set up on this hub (Stripe:SecretKey); invoices are paid by bank transfer or cash");
        }

        if (request?.ReturnUrl is { } asked && !IsOwnUrl(asked, configuration, http, options))
        {
            return Problems.Unprocessable("returnUrl", "must be an address of this hub (Hub:PublicUrl) or its portal (Billing:PortalBaseUrl)");
        }

        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var member = await conn.QuerySingleOrDefaultAsync<(string Name, string Email, Guid? Home, string? Customer)?>(new CommandDefinition(
            """
            SELECT m.name, m.email, m.home_location_id, bc.stripe_customer_id
            FROM members m LEFT JOIN billing_customers bc ON bc.member_id = m.id
            WHERE m.id = @id AND m.organisation_id = @organisationId
            """,
            new { id, organisationId = caller.OrganisationId },
            cancellationToken: cancellationToken));
        if (member is not { } found || !caller.Covers(found.Home))
        {
            return TypedResults.NotFound();
        }

        var customer = found.Customer ?? await gateway.CreateCustomerAsync(id, found.Name, found.Email, cancellationToken);
        if (found.Customer is null)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO billing_customers (member_id, stripe_customer_id, updated_at) VALUES (@id, @customer, @now)
                ON CONFLICT (member_id) DO NOTHING
                """,
                new { id, customer, now = time.GetUtcNow() },
                cancellationToken: cancellationToken));
        }

        var returnUrl = request?.ReturnUrl ?? new Uri(options.PortalBaseUrl, $"members/{id}/billing");
        return TypedResults.Ok(new CardSetupResponse(await gateway.CreateCardSetupAsync(customer, id, returnUrl, cancellationToken)));
    }

    /// <summary>
    /// Whether a return address is the hub's own (same scheme, host and port as Hub:PublicUrl, or the request when it is
    /// not set) or the portal's: the payment page must not bounce a member to a look-alike site.
    /// </summary>
    private static bool IsOwnUrl(Uri url, IConfiguration configuration, HttpRequest http, BillingOptions options) =>
        url.IsAbsoluteUri && (SameOrigin(url, new Uri(PublicUrl.Of(configuration, http))) || SameOrigin(url, options.PortalBaseUrl));

    private static bool SameOrigin(Uri a, Uri b) =>
        a.Scheme == b.Scheme && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port && a.UserInfo.Length == 0;

    /// <summary>Tries the member's saved card for an open invoice now, outside the retry schedule; answers the invoice after.</summary>
    internal static async Task<Results<Ok<InvoiceResponse>, ProblemHttpResult, NotFound>> CollectNow(
        Guid id, Caller caller, NpgsqlDataSource db, InvoiceStore invoices, PaymentCollector collector, IPaymentGateway gateway, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (await invoices.GetAsync(caller, id, cancellationToken) is not { } invoice)
        {
            return TypedResults.NotFound();
        }

        if (invoice.Status != InvoiceStatus.Open)
        {
            return Problems.Conflict("status", "the invoice is not open: it is paid or credited already");
        }

        if (!gateway.IsConfigured)
        {
            return Problems.Unprocessable("id", "card payments are not set up on this hub; record a bank transfer or cash payment instead");
        }

        await using (var conn = await db.OpenConnectionAsync(cancellationToken))
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE invoice_collection SET next_attempt_at = @now, updated_at = @now WHERE invoice_id = @id AND status = 'open'",
                new { id, now = time.GetUtcNow() },
                cancellationToken: cancellationToken));
        }

        await collector.CollectAsync(id, cancellationToken);
        return TypedResults.Ok((await invoices.GetAsync(caller, id, cancellationToken))!);
    }

    internal static async Task<Results<Ok, ProblemHttpResult>> ReceiveStripeEvent(HttpRequest request, StripeWebhook webhook, CancellationToken cancellationToken)
    {
        if (request.ContentLength is > MaxWebhookBytes)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The event is too large.");
        }

        using var reader = new StreamReader(request.Body);
        var payload = await reader.ReadToEndAsync(cancellationToken);
        return await webhook.HandleAsync(payload, request.Headers["Stripe-Signature"].FirstOrDefault(), cancellationToken) == WebhookOutcome.Refused
            ? TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The event's signature or timestamp is not valid.")
            : TypedResults.Ok();
    }
}
