using Coworking.Hub.Auth;
using Coworking.Hub.Http;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Coworking.Hub.Billing;

public sealed record CardSetupRequest(Uri? ReturnUrl = null);

public sealed record CardSetupResponse(Uri Url);

/// <summary>
/// Card payments through Stripe: the organisation's own Stripe account (org admins; keys never shown back), a page where
/// a member saves a card (Checkout in setup mode), paying an open invoice now with the saved card, the payments that
/// settled nothing (payment issues), and Stripe's webhooks (the routes without an API key: Stripe signs them instead).
/// </summary>
public static class PaymentsApi
{
    public const long MaxWebhookBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapPaymentsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/").WithTags("Payments");
        api.MapGet("/organisation/stripe-account", GetStripeAccount);
        api.MapPut("/organisation/stripe-account", SetStripeAccount);
        api.MapDelete("/organisation/stripe-account", RemoveStripeAccount);
        api.MapPost("/members/{id:guid}/card-setup", SetUpCard);
        api.MapPost("/invoices/{id:guid}/collect", CollectNow);
        api.MapGet("/payment-issues", ListPaymentIssues);
        api.MapPost("/payment-issues/{id:guid}/resolve", ResolvePaymentIssue);
        api.MapPost("/webhooks/stripe", ReceiveStripeEvent).AllowAnonymous();
        api.MapPost("/webhooks/stripe/{organisationId:guid}", ReceiveOrganisationStripeEvent).AllowAnonymous();
        return routes;
    }

    internal static async Task<Results<Ok<StripeAccountResponse>, ProblemHttpResult>> GetStripeAccount(
        Caller caller, StripeAccounts accounts, CancellationToken cancellationToken) =>
        caller.IsOrgAdmin
            ? TypedResults.Ok(await accounts.DescribeAsync(caller.OrganisationId, cancellationToken))
            : Problems.Forbidden("Only organisation admins see the organisation's Stripe account.");

    /// <summary>
    /// Sets the organisation's own Stripe account: its secret key, webhook signing secret and publishable key (test or live,
    /// all of one mode). Stripe's webhooks for it go to the answer's <c>webhookPath</c>.
    /// </summary>
    internal static async Task<Results<Ok<StripeAccountResponse>, ValidationProblem, ProblemHttpResult>> SetStripeAccount(
        StripeAccountRequest request, Caller caller, StripeAccounts accounts, StripeOptions options, CancellationToken cancellationToken)
    {
        if (!caller.IsOrgAdmin)
        {
            return Problems.Forbidden("Only organisation admins set the organisation's Stripe account.");
        }

        var errors = new ValidationErrors();
        var mode = KeyMode(request.SecretKey, "sk_") ?? KeyMode(request.SecretKey, "rk_");
        if (mode is null)
        {
            errors.Add("secretKey", "is required: a Stripe secret or restricted key (sk_test_…, sk_live_…, rk_…), at most 255 characters");
        }

        if (request.WebhookSecret is not { Length: > 6 and <= 255 } webhook || !webhook.StartsWith("whsec_", StringComparison.Ordinal) || !webhook.All(IsKeyChar))
        {
            errors.Add("webhookSecret", "is required: the endpoint's signing secret (whsec_…), at most 255 characters");
        }

        var publishable = KeyMode(request.PublishableKey, "pk_");
        if (publishable is null)
        {
            errors.Add("publishableKey", "is required: a Stripe publishable key (pk_test_…, pk_live_…), at most 255 characters");
        }
        else if (mode is not null && publishable != mode)
        {
            errors.Add("publishableKey", $"is a {publishable} key but the secret key is a {mode} key");
        }

        if (!options.AllowsApiBase(request.ApiBase))
        {
            errors.Add("apiBase", "is not one of this hub's Stripe:AllowedApiBases; leave it out to use Stripe");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return TypedResults.Ok(await accounts.SetAsync(caller, request, cancellationToken));
    }

    internal static async Task<Results<NoContent, NotFound, ProblemHttpResult>> RemoveStripeAccount(Caller caller, StripeAccounts accounts, CancellationToken cancellationToken)
    {
        if (!caller.IsOrgAdmin)
        {
            return Problems.Forbidden("Only organisation admins remove the organisation's Stripe account.");
        }

        return await accounts.RemoveAsync(caller, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    /// <summary>"test" or "live" for a key of the given prefix (sk_test_…), or null when it is not one.</summary>
    private static string? KeyMode(string? key, string prefix) =>
        key is { Length: <= 255 } && key.StartsWith(prefix, StringComparison.Ordinal) && key.All(IsKeyChar)
            ? key[prefix.Length..] switch
            {
                var rest when rest.StartsWith("test_", StringComparison.Ordinal) && rest.Length > 5 => "test",
                var rest when rest.StartsWith("live_", StringComparison.Ordinal) && rest.Length > 5 => "live",
                _ => null,
            }
            : null;

    private static bool IsKeyChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    internal static async Task<Results<Ok<CardSetupResponse>, ProblemHttpResult, NotFound>> SetUpCard(
        Guid id, CardSetupRequest? request, Caller caller, Database.TenantDataSource db, StripeAccounts accounts, BillingOptions options, TimeProvider time,
        IConfiguration configuration, HttpRequest http, CancellationToken cancellationToken)
    {
        if (await accounts.ForOrganisationAsync(caller.OrganisationId, cancellationToken) is not { } account)
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

        var customer = found.Customer ?? await account.Gateway.CreateCustomerAsync(id, found.Name, found.Email, cancellationToken);
        if (found.Customer is null)
        {
            // A row without a customer is one the organisation's change of Stripe account emptied.
            await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO billing_customers (member_id, stripe_customer_id, updated_at) VALUES (@id, @customer, @now)
                ON CONFLICT (member_id) DO UPDATE SET stripe_customer_id = excluded.stripe_customer_id, updated_at = excluded.updated_at
                WHERE billing_customers.stripe_customer_id IS NULL
                """,
                new { id, customer, now = time.GetUtcNow() },
                cancellationToken: cancellationToken));
        }

        var returnUrl = request?.ReturnUrl ?? new Uri(options.PortalBaseUrl, "portal/billing");
        return TypedResults.Ok(new CardSetupResponse(await account.Gateway.CreateCardSetupAsync(customer, id, returnUrl, cancellationToken)));
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
        Guid id, Caller caller, Database.TenantDataSource db, InvoiceStore invoices, PaymentCollector collector, StripeAccounts accounts, TimeProvider time,
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

        if (await accounts.ForOrganisationAsync(caller.OrganisationId, cancellationToken) is null)
        {
            return Problems.Unprocessable("id", "card payments are not set up for this organisation; record a bank transfer or cash payment instead");
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

    /// <summary>Payments that succeeded at Stripe but settled nothing, newest first (<c>open=true</c>: the unresolved ones).</summary>
    internal static async Task<Results<Ok<Page<PaymentIssueResponse>>, ValidationProblem>> ListPaymentIssues(
        Caller caller, PaymentIssues issues, bool? open, Guid? invoiceId, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var (size, after) = PageCursor.Read(limit, cursor, errors);
        return errors.Any ? errors.ToProblem() : TypedResults.Ok(await issues.ListAsync(caller, open, invoiceId, size, after, cancellationToken));
    }

    /// <summary>Marks a payment issue resolved, saying what was done (refunded at Stripe, payment recorded by hand, …).</summary>
    internal static async Task<Results<Ok<PaymentIssueResponse>, ValidationProblem, NotFound>> ResolvePaymentIssue(
        Guid id, ResolvePaymentIssueRequest request, Caller caller, PaymentIssues issues, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (errors.Required("resolution", request.Resolution, 500))
        {
            return await issues.ResolveAsync(caller, id, request.Resolution!.Trim(), cancellationToken) is { } resolved ? TypedResults.Ok(resolved) : TypedResults.NotFound();
        }

        return errors.ToProblem();
    }

    /// <summary>Events from the hub-wide Stripe account, signed with Stripe:WebhookSecret.</summary>
    internal static Task<Results<Ok, ProblemHttpResult>> ReceiveStripeEvent(HttpRequest request, StripeWebhook webhook, CancellationToken cancellationToken) =>
        ReceiveAsync(request, webhook, null, cancellationToken);

    /// <summary>Events from an organisation's own Stripe account, signed with the webhook secret it set; they settle only its invoices.</summary>
    internal static Task<Results<Ok, ProblemHttpResult>> ReceiveOrganisationStripeEvent(
        Guid organisationId, HttpRequest request, StripeWebhook webhook, CancellationToken cancellationToken) =>
        ReceiveAsync(request, webhook, organisationId, cancellationToken);

    private static async Task<Results<Ok, ProblemHttpResult>> ReceiveAsync(HttpRequest request, StripeWebhook webhook, Guid? organisationId, CancellationToken cancellationToken)
    {
        if (request.ContentLength is > MaxWebhookBytes)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The event is too large.");
        }

        using var reader = new StreamReader(request.Body);
        var payload = await reader.ReadToEndAsync(cancellationToken);
        return await webhook.HandleAsync(payload, request.Headers["Stripe-Signature"].FirstOrDefault(), organisationId, cancellationToken) == WebhookOutcome.Refused
            ? TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The event's signature or timestamp is not valid.")
            : TypedResults.Ok();
    }
}
