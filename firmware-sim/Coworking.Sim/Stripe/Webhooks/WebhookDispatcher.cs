using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Coworking.Sim.Stripe.Objects;

namespace Coworking.Sim.Stripe.Webhooks;

/// <summary>
/// Sends events to webhook endpoints as Stripe does: one signed POST per event and endpoint, in no guaranteed order,
/// a 2xx answer within the timeout is success, anything else is retried with exponential backoff until the attempts
/// run out. An endpoint can be paused (events wait for it) and events can be sent by hand, repeated or in any order.
/// Every attempt is logged for GET /stripe/deliveries.
/// </summary>
internal sealed class WebhookDispatcher : BackgroundService
{
    public const int MaxLoggedAttempts = 10_000;

    private readonly StripeStore store;
    private readonly StripeOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<WebhookDispatcher> logger;
    private readonly HttpClient http = new(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private readonly Channel<(StripeEvent Event, string EndpointId)> queue = Channel.CreateUnbounded<(StripeEvent, string)>();
    private readonly Lock gate = new();
    private readonly List<WebhookEndpoint> endpoints = [];
    private readonly Dictionary<string, List<StripeEvent>> paused = new(StringComparer.Ordinal);
    private readonly LinkedList<DeliveryAttempt> attempts = new();

    public WebhookDispatcher(StripeStore store, StripeOptions options, TimeProvider time, ILogger<WebhookDispatcher> logger)
    {
        this.store = store;
        this.options = options;
        this.time = time;
        this.logger = logger;
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        for (var i = 0; i < options.Webhooks.Count; i++)
        {
            var configured = options.Webhooks[i];
            endpoints.Add(new WebhookEndpoint
            {
                Id = $"we_config{i + 1}",
                Url = configured.Url,
                Secret = configured.Secret,
                EnabledEvents = configured.EnabledEvents,
                Source = "config",
                Created = created,
            });
        }

        lock (store.Gate)
        {
            endpoints.AddRange(store.WebhookEndpoints.Values);
        }
    }

    public IReadOnlyList<WebhookEndpoint> Endpoints()
    {
        lock (gate)
        {
            return [.. endpoints];
        }
    }

    public WebhookEndpoint? Find(string id)
    {
        lock (gate)
        {
            return endpoints.FirstOrDefault(e => e.Id == id);
        }
    }

    /// <summary>The events waiting for a paused endpoint, oldest first; null when it is not paused.</summary>
    public IReadOnlyList<string>? Pending(string endpointId)
    {
        lock (gate)
        {
            return paused.TryGetValue(endpointId, out var waiting) ? waiting.Select(e => e.Id).ToList() : null;
        }
    }

    /// <summary>How many endpoints an event of this type goes to (the event's pending_webhooks).</summary>
    public int Subscribers(string eventType)
    {
        lock (gate)
        {
            return endpoints.Count(e => e.Wants(eventType));
        }
    }

    public WebhookEndpoint Register(string url, string secret, IReadOnlyList<string> enabledEvents, bool startPaused)
    {
        var endpoint = new WebhookEndpoint
        {
            Id = Wire.Ids.New("we"),
            Url = url,
            Secret = secret,
            EnabledEvents = enabledEvents,
            Source = "api",
            Created = time.GetUtcNow().ToUnixTimeSeconds(),
        };
        lock (gate)
        {
            endpoints.Add(endpoint);
            if (startPaused)
            {
                paused[endpoint.Id] = [];
            }
        }

        Persist();
        logger.LogInformation("Webhook endpoint {EndpointId} registered for {Url} (secret {Secret})", endpoint.Id, url, WebhookSecret.Masked(secret));
        return endpoint;
    }

    public bool Remove(string endpointId)
    {
        lock (gate)
        {
            if (endpoints.RemoveAll(e => e.Id == endpointId && e.Source == "api") == 0)
            {
                return false;
            }

            paused.Remove(endpointId);
        }

        Persist();
        return true;
    }

    /// <summary>Holds the endpoint's events from now on, or releases the held ones in the order they happened.</summary>
    public bool SetPaused(string endpointId, bool pause)
    {
        List<StripeEvent>? release = null;
        lock (gate)
        {
            if (!endpoints.Any(e => e.Id == endpointId))
            {
                return false;
            }

            if (pause)
            {
                paused.TryAdd(endpointId, []);
            }
            else if (paused.Remove(endpointId, out var waiting))
            {
                release = waiting;
            }
        }

        foreach (var stripeEvent in release ?? [])
        {
            queue.Writer.TryWrite((stripeEvent, endpointId));
        }

        return true;
    }

    /// <summary>Sends each event to every endpoint that wants it (or holds it for a paused one).</summary>
    public void Publish(IEnumerable<StripeEvent> events)
    {
        foreach (var stripeEvent in events)
        {
            lock (gate)
            {
                foreach (var endpoint in endpoints.Where(e => e.Wants(stripeEvent.Type)))
                {
                    if (paused.TryGetValue(endpoint.Id, out var waiting))
                    {
                        waiting.Add(stripeEvent);
                    }
                    else
                    {
                        queue.Writer.TryWrite((stripeEvent, endpoint.Id));
                    }
                }
            }
        }
    }

    /// <summary>
    /// Sends the events one after the other, in the order given and each <paramref name="repeat"/> times, with no
    /// retries, and answers every attempt. Events held for a paused endpoint are sent and no longer held.
    /// </summary>
    public async Task<IReadOnlyList<DeliveryAttempt>> DeliverNowAsync(
        IReadOnlyList<StripeEvent> events, WebhookEndpoint endpoint, int repeat, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (paused.TryGetValue(endpoint.Id, out var waiting))
            {
                waiting.RemoveAll(e => events.Any(sent => sent.Id == e.Id));
            }
        }

        var results = new List<DeliveryAttempt>();
        foreach (var stripeEvent in events)
        {
            for (var i = 0; i < repeat; i++)
            {
                results.Add(await AttemptAsync(stripeEvent, endpoint, AttemptsSoFar(stripeEvent.Id, endpoint.Id) + 1, "manual", null, cancellationToken));
            }
        }

        return results;
    }

    public IReadOnlyList<DeliveryAttempt> Attempts(string? eventId, string? endpointId)
    {
        lock (gate)
        {
            return attempts.Where(a => (eventId is null || a.EventId == eventId) && (endpointId is null || a.EndpointId == endpointId)).ToList();
        }
    }

    public override void Dispose()
    {
        http.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var running = new HashSet<Task>();
        try
        {
            await foreach (var (stripeEvent, endpointId) in queue.Reader.ReadAllAsync(stoppingToken))
            {
                running.RemoveWhere(t => t.IsCompleted);
                running.Add(DeliverWithRetriesAsync(stripeEvent, endpointId, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            logger.LogDebug("Webhook dispatcher stopping with {Deliveries} deliveries under way", running.Count(t => !t.IsCompleted));
        }

        await Task.WhenAll(running);
    }

    private async Task DeliverWithRetriesAsync(StripeEvent stripeEvent, string endpointId, CancellationToken cancellationToken)
    {
        var retry = options.WebhookRetry;
        try
        {
            for (var attempt = 1; attempt <= retry.MaxAttempts; attempt++)
            {
                if (Find(endpointId) is not { } endpoint)
                {
                    return;
                }

                var next = attempt < retry.MaxAttempts ? retry.DelayBefore(attempt + 1) : (TimeSpan?)null;
                var result = await AttemptAsync(stripeEvent, endpoint, attempt, "automatic", next, cancellationToken);
                if (result.Succeeded)
                {
                    return;
                }

                if (next is null)
                {
                    logger.LogWarning("Webhook {EventId} ({EventType}) to {Url} failed {Attempts} times; giving up", stripeEvent.Id, stripeEvent.Type, endpoint.Url, attempt);
                    return;
                }

                await Task.Delay(next.Value, time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogDebug("Webhook {EventId} to {EndpointId} abandoned at shutdown", stripeEvent.Id, endpointId);
        }
    }

    private async Task<DeliveryAttempt> AttemptAsync(
        StripeEvent stripeEvent, WebhookEndpoint endpoint, int attempt, string trigger, TimeSpan? retryAfterFailure, CancellationToken cancellationToken)
    {
        var at = time.GetUtcNow();
        var timestamp = at.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = new StringContent(stripeEvent.Json, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)");
        request.Headers.TryAddWithoutValidation("Accept", "*/*; q=0.5, application/xml");
        request.Headers.TryAddWithoutValidation("Cache-Control", "no-cache");
        request.Headers.TryAddWithoutValidation("Stripe-Signature", WebhookSecret.Header(endpoint.Secret, timestamp, stripeEvent.Json));

        int? status = null;
        string? error = null;
        var stopwatch = Stopwatch.StartNew();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(options.WebhookRetry.TimeoutMs), time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken))
        {
            try
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
                status = (int)response.StatusCode;
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                error = $"timed out after {options.WebhookRetry.TimeoutMs} ms";
            }
            catch (HttpRequestException e)
            {
                error = e.HttpRequestError == HttpRequestError.Unknown ? e.Message : e.HttpRequestError.ToString();
            }
        }

        var succeeded = status is >= 200 and < 300;
        var result = new DeliveryAttempt(
            stripeEvent.Id,
            stripeEvent.Type,
            endpoint.Id,
            endpoint.Url,
            attempt,
            trigger,
            at,
            timestamp,
            status,
            error,
            succeeded,
            stopwatch.ElapsedMilliseconds,
            succeeded || retryAfterFailure is null ? null : (long)retryAfterFailure.Value.TotalMilliseconds,
            succeeded || retryAfterFailure is null ? null : time.GetUtcNow() + retryAfterFailure.Value);
        lock (gate)
        {
            attempts.AddLast(result);
            while (attempts.Count > MaxLoggedAttempts)
            {
                attempts.RemoveFirst();
            }
        }

        if (succeeded)
        {
            logger.LogInformation("Webhook {EventId} ({EventType}) to {Url}: {Status}, attempt {Attempt}", stripeEvent.Id, stripeEvent.Type, endpoint.Url, status, attempt);
        }
        else
        {
            logger.LogWarning("Webhook {EventId} ({EventType}) to {Url} failed: {Failure}, attempt {Attempt}", stripeEvent.Id, stripeEvent.Type, endpoint.Url, error ?? $"HTTP {status}", attempt);
        }

        return result;
    }

    private int AttemptsSoFar(string eventId, string endpointId)
    {
        lock (gate)
        {
            return attempts.Count(a => a.EventId == eventId && a.EndpointId == endpointId);
        }
    }

    private void Persist()
    {
        List<WebhookEndpoint> registered;
        lock (gate)
        {
            registered = endpoints.Where(e => e.Source == "api").ToList();
        }

        lock (store.Gate)
        {
            store.WebhookEndpoints.Clear();
            foreach (var endpoint in registered)
            {
                store.WebhookEndpoints.Add(endpoint.Id, endpoint);
            }

            store.Save();
        }
    }
}
