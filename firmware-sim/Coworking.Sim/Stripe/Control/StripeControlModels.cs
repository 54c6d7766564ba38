using Coworking.Sim.Stripe.Webhooks;

namespace Coworking.Sim.Stripe.Control;

/// <summary>GET /stripe/cards: a test card, what it does, and its pm_card_ token.</summary>
internal sealed record TestCardView(string Number, string Token, string Brand, string Funding, string Behaviour, string? Code, string? DeclineCode);

/// <summary>POST /stripe/checkout/{id}/complete: the card the customer enters (a test card number), expiry and name optional.</summary>
internal sealed record CompleteCheckoutRequest(string? Card, int? ExpMonth, int? ExpYear, string? Name, string? Email);

/// <summary>The completed session and what it made.</summary>
internal sealed record CheckoutCompletion(string SessionId, string Status, string? Customer, string SetupIntent, string PaymentMethod, bool DefaultPaymentMethodSet, IReadOnlyList<string> Events);

/// <summary>POST /stripe/payment_intents/{id}/authenticate: the customer passes (true) or fails (false) 3-D Secure.</summary>
internal sealed record AuthenticateRequest(bool? Succeed);

internal sealed record AuthenticationOutcome(string PaymentIntent, string Status, string? Code, IReadOnlyList<string> Events);

/// <summary>POST /stripe/webhooks: a new endpoint; the secret is made when not given; paused holds its events.</summary>
internal sealed record RegisterWebhookRequest(string? Url, string? Secret, IReadOnlyList<string>? EnabledEvents, bool? Paused);

/// <summary>An endpoint as the control API shows it: the secret in full only in the answer to its registration.</summary>
internal sealed record WebhookView(
    string Id, string Url, IReadOnlyList<string> EnabledEvents, string Source, bool Paused, IReadOnlyList<string> PendingEvents, string? Secret, string SecretHint)
{
    public static WebhookView Of(WebhookEndpoint endpoint, IReadOnlyList<string>? pending, bool withSecret) => new(
        endpoint.Id, endpoint.Url, endpoint.EnabledEvents, endpoint.Source, pending is not null, pending ?? [], withSecret ? endpoint.Secret : null, WebhookSecret.Masked(endpoint.Secret));
}

/// <summary>POST /stripe/events: a new event of this type about this object (as it is now).</summary>
internal sealed record FireEventRequest(string? Type, string? ObjectId);

/// <summary>POST /stripe/deliveries: send these events, in this order, each `repeat` times, to one endpoint (default: every endpoint that wants them).</summary>
internal sealed record DeliverRequest(IReadOnlyList<string>? EventIds, string? EndpointId, int? Repeat);
