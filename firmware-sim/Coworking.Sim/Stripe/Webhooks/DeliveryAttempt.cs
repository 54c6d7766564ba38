namespace Coworking.Sim.Stripe.Webhooks;

/// <summary>
/// One POST of an event to an endpoint. <see cref="Status"/> is the HTTP status (null when there was none: connection
/// error or timeout, see <see cref="Error"/>); <see cref="NextAttemptAt"/> is set when a retry is scheduled.
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
    DateTimeOffset? NextAttemptAt);
