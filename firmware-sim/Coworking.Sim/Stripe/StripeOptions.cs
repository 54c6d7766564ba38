using Coworking.Sim.Stripe.Webhooks;

namespace Coworking.Sim.Stripe;

/// <summary>
/// The "stripe" section of the sim configuration. Without it the sim answers no Stripe API at all.
/// </summary>
internal sealed record StripeOptions
{
    /// <summary>What Stripe.net 53 sends as Stripe-Version and expects in the api_version of webhook events.</summary>
    public const string DefaultApiVersion = "2026-10-28.endive";

    /// <summary>The secret key clients authenticate with (Authorization: Bearer sk_test_…).</summary>
    public string SecretKey { get; init; } = string.Empty;

    /// <summary>The api_version written into events.</summary>
    public string ApiVersion { get; init; } = DefaultApiVersion;

    /// <summary>Where customers, payment methods, intents, events and runtime webhook endpoints are kept across restarts; null keeps them in memory.</summary>
    public string? StatePath { get; init; }

    /// <summary>The base URL of the sim as browsers reach it, for Checkout URLs; null takes the scheme and host of each request.</summary>
    public string? PublicUrl { get; init; }

    /// <summary>
    /// Completing a setup-mode Checkout Session also sets the card as the customer's
    /// invoice_settings.default_payment_method. Real Stripe does not do this; false behaves like Stripe.
    /// </summary>
    public bool CheckoutSetsDefaultPaymentMethod { get; init; } = true;

    public IReadOnlyList<WebhookOptions> Webhooks { get; init; } = [];

    public WebhookRetryOptions WebhookRetry { get; init; } = new();

    /// <summary>Every problem with this section, named from "stripe".</summary>
    public IEnumerable<string> Validate()
    {
        if (!SecretKey.StartsWith("sk_test_", StringComparison.Ordinal) || SecretKey.Length < 12 || SecretKey.Any(char.IsWhiteSpace))
        {
            yield return "stripe.secretKey must be a test key: sk_test_ followed by at least 4 characters, no spaces";
        }

        if (ApiVersion.Split('.') is not [{ Length: 10 }, { Length: > 0 }])
        {
            yield return "stripe.apiVersion must look like 2026-10-28.endive";
        }

        if (PublicUrl is not null && !IsHttpUrl(PublicUrl))
        {
            yield return "stripe.publicUrl must be an absolute http(s) URL";
        }

        for (var i = 0; i < Webhooks.Count; i++)
        {
            foreach (var error in Webhooks[i].Validate($"stripe.webhooks[{i}]"))
            {
                yield return error;
            }
        }

        foreach (var error in WebhookRetry.Validate("stripe.webhookRetry"))
        {
            yield return error;
        }
    }

    public static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}

/// <summary>A webhook endpoint known from the start: where events go and the secret they are signed with.</summary>
internal sealed record WebhookOptions
{
    public string Url { get; init; } = string.Empty;

    public string Secret { get; init; } = string.Empty;

    /// <summary>Event types sent to this endpoint; "*" (the default) is every type.</summary>
    public IReadOnlyList<string> EnabledEvents { get; init; } = ["*"];

    public IEnumerable<string> Validate(string where)
    {
        if (!StripeOptions.IsHttpUrl(Url))
        {
            yield return $"{where}.url must be an absolute http(s) URL";
        }

        if (!WebhookSecret.IsValid(Secret))
        {
            yield return $"{where}.secret must be whsec_ followed by at least 8 letters or digits";
        }

        if (EnabledEvents.Count == 0 || EnabledEvents.Any(string.IsNullOrWhiteSpace))
        {
            yield return $"{where}.enabledEvents must list event types or \"*\"";
        }
    }
}

/// <summary>
/// How failed deliveries are retried: attempt n+1 follows attempt n after firstDelayMs × 2^(n-1), at most maxDelayMs,
/// until maxAttempts attempts were made. A delivery fails on a non-2xx answer, a connection error or no answer within timeoutMs.
/// </summary>
internal sealed record WebhookRetryOptions
{
    public int MaxAttempts { get; init; } = 4;

    public int FirstDelayMs { get; init; } = 10_000;

    public int MaxDelayMs { get; init; } = 3_600_000;

    public int TimeoutMs { get; init; } = 10_000;

    public TimeSpan DelayBefore(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min((double)MaxDelayMs, FirstDelayMs * Math.Pow(2, attempt - 2)));

    public IEnumerable<string> Validate(string where)
    {
        if (MaxAttempts is < 1 or > 20)
        {
            yield return $"{where}.maxAttempts must be 1-20";
        }

        if (FirstDelayMs is < 1 or > 86_400_000)
        {
            yield return $"{where}.firstDelayMs must be 1-86400000";
        }

        if (MaxDelayMs < FirstDelayMs || MaxDelayMs > 259_200_000)
        {
            yield return $"{where}.maxDelayMs must be firstDelayMs-259200000";
        }

        if (TimeoutMs is < 10 or > 120_000)
        {
            yield return $"{where}.timeoutMs must be 10-120000";
        }
    }
}
