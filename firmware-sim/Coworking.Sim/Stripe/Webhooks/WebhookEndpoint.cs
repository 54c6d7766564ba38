namespace Coworking.Sim.Stripe.Webhooks;

/// <summary>Where events are sent, signed with <see cref="Secret"/>; from the configuration or registered at run time.</summary>
internal sealed record WebhookEndpoint
{
    public required string Id { get; init; }

    public required string Url { get; init; }

    public required string Secret { get; init; }

    public IReadOnlyList<string> EnabledEvents { get; init; } = ["*"];

    /// <summary>"config" or "api".</summary>
    public required string Source { get; init; }

    public required long Created { get; init; }

    public bool Wants(string eventType) => EnabledEvents.Any(e => e == "*" || e == eventType);
}
