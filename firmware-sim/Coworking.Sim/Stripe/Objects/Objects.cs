namespace Coworking.Sim.Stripe.Objects;

// The sim's state: one record per Stripe object, changed with `with` under the store's lock. Times are Unix seconds,
// as on the wire; money is long minor units plus a lowercase ISO currency, as Stripe has it.

internal sealed record Customer
{
    public required string Id { get; init; }

    public required long Created { get; init; }

    public string? Email { get; init; }

    public string? Name { get; init; }

    public string? Description { get; init; }

    public string? Phone { get; init; }

    public required string InvoicePrefix { get; init; }

    public string? DefaultPaymentMethod { get; init; }

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    public bool Deleted { get; init; }
}

/// <summary>The card of a PaymentMethod: what Stripe shows of it, and the test card's rule, never the number.</summary>
internal sealed record CardDetails(string Brand, string Last4, int ExpMonth, int ExpYear, string Fingerprint, string Funding, string Country, CardRule Rule, CardDecline? Decline);

internal sealed record PaymentMethod
{
    public required string Id { get; init; }

    public required long Created { get; init; }

    public required CardDetails Card { get; init; }

    public string? Customer { get; init; }

    public string? BillingName { get; init; }

    public string? BillingEmail { get; init; }

    /// <summary>Saved through a SetupIntent (Checkout in setup mode), which authenticates it for later off-session payments.</summary>
    public bool SetUpForOffSession { get; init; }

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

/// <summary>A card error as last_payment_error / last_setup_error and the HTTP 402 body carry it.</summary>
internal sealed record CardError(CardDecline Decline, string? Charge, string? PaymentMethod);

internal sealed record SetupIntent
{
    public required string Id { get; init; }

    public required long Created { get; init; }

    public required string ClientSecret { get; init; }

    public string? Customer { get; init; }

    public string? PaymentMethod { get; init; }

    /// <summary>requires_payment_method, succeeded or canceled.</summary>
    public required string Status { get; init; }

    public string Usage { get; init; } = "off_session";

    public string? Description { get; init; }

    public CardError? LastSetupError { get; init; }

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

internal sealed record CheckoutSession
{
    public required string Id { get; init; }

    public required long Created { get; init; }

    public required long ExpiresAt { get; init; }

    public string Mode { get; init; } = "setup";

    /// <summary>open, complete or expired.</summary>
    public required string Status { get; init; }

    public string? Customer { get; init; }

    public string? CustomerEmail { get; init; }

    public string? ClientReferenceId { get; init; }

    public string? Currency { get; init; }

    public string? SuccessUrl { get; init; }

    public string? CancelUrl { get; init; }

    public required string SetupIntent { get; init; }

    /// <summary>The URL the member opens: the sim's own checkout page.</summary>
    public required string Url { get; init; }

    public string? CompletedName { get; init; }

    public string? CompletedEmail { get; init; }

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

internal sealed record PaymentIntent
{
    public required string Id { get; init; }

    public required long Created { get; init; }

    public required long Amount { get; init; }

    public required string Currency { get; init; }

    public required string ClientSecret { get; init; }

    public string? Customer { get; init; }

    public string? PaymentMethod { get; init; }

    /// <summary>requires_payment_method, requires_confirmation, requires_action, succeeded or canceled.</summary>
    public required string Status { get; init; }

    public long AmountReceived { get; init; }

    public string? Description { get; init; }

    public string? ReceiptEmail { get; init; }

    public string? SetupFutureUsage { get; init; }

    public string? StatementDescriptor { get; init; }

    public string? LatestCharge { get; init; }

    public CardError? LastPaymentError { get; init; }

    /// <summary>With requires_action: where the customer authenticates (the sim's page) and where they return.</summary>
    public string? NextActionUrl { get; init; }

    public string? ReturnUrl { get; init; }

    public long? CanceledAt { get; init; }

    public string? CancellationReason { get; init; }

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

internal sealed record Charge
{
    public required string Id { get; init; }

    public required long Created { get; init; }

    public required long Amount { get; init; }

    public required string Currency { get; init; }

    public string? Customer { get; init; }

    public required string PaymentIntent { get; init; }

    public required string PaymentMethod { get; init; }

    public required CardDetails Card { get; init; }

    public string? Description { get; init; }

    /// <summary>succeeded or failed.</summary>
    public required string Status { get; init; }

    public CardDecline? Failure { get; init; }

    public long AmountRefunded { get; init; }

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

internal sealed record Refund
{
    public required string Id { get; init; }

    public required long Created { get; init; }

    public required long Amount { get; init; }

    public required string Currency { get; init; }

    public required string Charge { get; init; }

    public required string PaymentIntent { get; init; }

    public string? Reason { get; init; }

    public string Status { get; init; } = "succeeded";

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

/// <summary>An event as it was sent: its whole JSON is fixed when it happens (data.object is the object at that moment).</summary>
internal sealed record StripeEvent(string Id, string Type, long Created, string Json);
