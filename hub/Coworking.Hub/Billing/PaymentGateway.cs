using Stripe;
using Stripe.Checkout;

namespace Coworking.Hub.Billing;

public enum ChargeStatus
{
    Succeeded,
    Failed,

    /// <summary>Neither yet (e.g. a bank's confirmation step); a webhook will tell.</summary>
    Pending,
}

/// <summary>
/// What an off-session charge came to at once; <see cref="FailureCode"/> is the decline code, never card data;
/// <see cref="ChargedMinor"/> and <see cref="ChargedCurrency"/> are the PaymentIntent's amount and currency as the gateway
/// answered them (the hub settles only when they are what it asked for).
/// </summary>
public sealed record ChargeOutcome(string? PaymentIntentId, ChargeStatus Status, string? FailureCode, long ChargedMinor, string ChargedCurrency);

/// <summary>
/// Where card payments are collected. The hub computes every amount itself; the gateway only holds customers and
/// their saved cards and charges what it is told. Without one configured (<see cref="IsConfigured"/> false),
/// invoices wait for an operator to mark them paid.
/// </summary>
public interface IPaymentGateway
{
    bool IsConfigured { get; }

    /// <summary>The member's customer at the gateway, made once however often asked (idempotency key per member).</summary>
    Task<string> CreateCustomerAsync(Guid memberId, string name, string email, CancellationToken cancellationToken);

    /// <summary>A page where the member saves a card for later off-session charges (Stripe Checkout in setup mode).</summary>
    Task<Uri> CreateCardSetupAsync(string customerId, Guid memberId, Uri returnUrl, CancellationToken cancellationToken);

    /// <summary>Makes a saved card the customer's default (invoice_settings.default_payment_method), which Checkout in setup mode leaves unset.</summary>
    Task SetDefaultCardAsync(string customerId, string paymentMethodId, CancellationToken cancellationToken);

    /// <summary>Charges a saved card off-session; the same <paramref name="idempotencyKey"/> never charges twice.</summary>
    Task<ChargeOutcome> ChargeAsync(
        string customerId, string paymentMethodId, Money amount, Guid invoiceId, int attempt, string description, string idempotencyKey, CancellationToken cancellationToken);
}

/// <summary>
/// The hub-wide Stripe account, for organisations without their own: Stripe:SecretKey, Stripe:ApiBase (the simulator's
/// URL in tests), Stripe:WebhookSecret. Stripe:AllowedApiBases lists the API bases other than Stripe's an organisation
/// admin may give its own account (the simulator in the demo); none by default, so keys go only to Stripe.
/// </summary>
public sealed record StripeOptions(string? SecretKey, string? ApiBase, string? WebhookSecret, IReadOnlyList<string>? AllowedApiBases = null)
{
    public static StripeOptions Read(IConfiguration configuration) => new(
        configuration["Stripe:SecretKey"] ?? configuration["STRIPE_SECRET_KEY"],
        configuration["Stripe:ApiBase"] ?? configuration["STRIPE_API_BASE"],
        configuration["Stripe:WebhookSecret"] ?? configuration["STRIPE_WEBHOOK_SECRET"],
        [.. configuration.GetSection("Stripe:AllowedApiBases").Get<string[]>() ?? [], .. (configuration["STRIPE_ALLOWED_API_BASE"] is { Length: > 0 } one ? [one] : Array.Empty<string>())]);

    /// <summary>Whether an organisation's account may be reached at <paramref name="apiBase"/> (null is Stripe itself).</summary>
    public bool AllowsApiBase(Uri? apiBase) =>
        apiBase is null
        || (AllowedApiBases ?? []).Any(allowed => string.Equals(allowed.TrimEnd('/'), apiBase.ToString().TrimEnd('/'), StringComparison.OrdinalIgnoreCase));
}

/// <summary>The gateway through Stripe.net's <see cref="StripeClient"/>, against Stripe or any API base that speaks its wire format.</summary>
internal sealed class StripePaymentGateway : IPaymentGateway
{
    private readonly StripeClient? client;

    public StripePaymentGateway(StripeOptions options)
    {
        if (!string.IsNullOrEmpty(options.SecretKey))
        {
            client = new StripeClient(new StripeClientOptions { ApiKey = options.SecretKey, ApiBase = string.IsNullOrEmpty(options.ApiBase) ? null : options.ApiBase });
        }
    }

    public bool IsConfigured => client is not null;

    private StripeClient Client => client ?? throw new InvalidOperationException("Stripe is not configured (Stripe:SecretKey).");

    public async Task<string> CreateCustomerAsync(Guid memberId, string name, string email, CancellationToken cancellationToken)
    {
        var customer = await new CustomerService(Client).CreateAsync(
            new CustomerCreateOptions { Name = name, Email = email, Metadata = new() { ["member_id"] = memberId.ToString() } },
            new RequestOptions { IdempotencyKey = $"customer-{memberId}" },
            cancellationToken);
        return customer.Id;
    }

    public async Task<Uri> CreateCardSetupAsync(string customerId, Guid memberId, Uri returnUrl, CancellationToken cancellationToken)
    {
        var session = await new SessionService(Client).CreateAsync(
            new SessionCreateOptions
            {
                Mode = "setup",
                Customer = customerId,
                SuccessUrl = returnUrl.ToString(),
                CancelUrl = returnUrl.ToString(),
                Metadata = new() { ["member_id"] = memberId.ToString() },
            },
            null,
            cancellationToken);
        return new Uri(session.Url);
    }

    public Task SetDefaultCardAsync(string customerId, string paymentMethodId, CancellationToken cancellationToken) =>
        new CustomerService(Client).UpdateAsync(
            customerId,
            new CustomerUpdateOptions { InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = paymentMethodId } },
            null,
            cancellationToken);

    public async Task<ChargeOutcome> ChargeAsync(
        string customerId, string paymentMethodId, Money amount, Guid invoiceId, int attempt, string description, string idempotencyKey, CancellationToken cancellationToken)
    {
        try
        {
            var intent = await new PaymentIntentService(Client).CreateAsync(
                new PaymentIntentCreateOptions
                {
                    Amount = amount.Minor,
                    Currency = amount.Currency.ToLowerInvariant(),
                    Customer = customerId,
                    PaymentMethod = paymentMethodId,
                    OffSession = true,
                    Confirm = true,
                    Description = description,
                    Metadata = new() { ["invoice_id"] = invoiceId.ToString(), ["attempt"] = attempt.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                },
                new RequestOptions { IdempotencyKey = idempotencyKey },
                cancellationToken);
            return intent.Status switch
            {
                "succeeded" => new ChargeOutcome(intent.Id, ChargeStatus.Succeeded, null, intent.Amount, intent.Currency),
                "requires_payment_method" or "canceled" => new ChargeOutcome(intent.Id, ChargeStatus.Failed, intent.LastPaymentError?.DeclineCode ?? intent.LastPaymentError?.Code ?? intent.Status, intent.Amount, intent.Currency),
                _ => new ChargeOutcome(intent.Id, ChargeStatus.Pending, null, intent.Amount, intent.Currency),
            };
        }
        catch (StripeException e) when (e.StripeError?.Type == "card_error")
        {
            return new ChargeOutcome(e.StripeError.PaymentIntent?.Id, ChargeStatus.Failed, e.StripeError.DeclineCode ?? e.StripeError.Code, amount.Minor, amount.Currency);
        }
    }
}
