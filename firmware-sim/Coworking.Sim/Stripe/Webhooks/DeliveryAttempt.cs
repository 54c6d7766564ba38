namespace Coworking.Sim.Stripe.Webhooks;

/// <summary>
/// One POST of an event to an endpoint. <see cref="Status"/> is the HTTP status (null when there was none: connection
/// error or timeout, see <see cref="Error"/>); <see cref="RetryInMs"/> and <see cref="NextAttemptAt"/> are set when a
/// retry is scheduled (the backoff delay, and when the retry is due).
/// </summary>
internal sealed record DeliveryAttempt(
    string EventId,
    string EventType,
    string EndpointId,
    string Url,
    int Attempt,
    string Trigger,
    DateTimeOffset At,
    long Timestamp,
    int? Status,
    string? Error,
    bool Succeeded,
    long DurationMs,
    long? RetryInMs,
    DateTimeOffset? NextAttemptAt);
