using System.Net;

namespace Coworking.Edge.Bridges.Kisi;

/// <summary>
/// A token bucket of one token that refills every 1/rate seconds, in front of every attempt (retries included), so the
/// bridge never sends Kisi more than its 5 requests in any second. A 429 closes the gate for Retry-After (or a second)
/// plus jitter, for every caller: Kisi's limit is per key, not per request. Counts calls and 429s for /status.
/// </summary>
public sealed class KisiRateGate(KisiOptions options, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(15);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeSpan _interval = TimeSpan.FromSeconds(1 / Math.Clamp(options.RequestsPerSecond, 0.1, 100)) + Margin;
    private long _nextTicks;
    private long _calls;
    private long _rateLimited;

    public long Calls => Interlocked.Read(ref _calls);

    public long RateLimited => Interlocked.Read(ref _rateLimited);

    public async Task<HttpResponseMessage> SendAsync(
        HttpRequestMessage request, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        await WaitForTokenAsync(cancellationToken);
        Interlocked.Increment(ref _calls);
        var response = await send(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            Interlocked.Increment(ref _rateLimited);
            var retryAfter = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            var jitter = TimeSpan.FromMilliseconds(Random.Shared.Next(50, 500));
            PushBack(time.GetUtcNow() + retryAfter + jitter);
        }

        return response;
    }

    private async Task WaitForTokenAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow().UtcTicks;
            var next = Interlocked.Read(ref _nextTicks);
            if (next > now)
            {
                await Task.Delay(TimeSpan.FromTicks(next - now), time, cancellationToken);
            }

            Interlocked.Exchange(ref _nextTicks, Math.Max(next, time.GetUtcNow().UtcTicks) + _interval.Ticks);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void PushBack(DateTimeOffset until)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref _nextTicks);
            if (current >= until.UtcTicks)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _nextTicks, until.UtcTicks, current) != current);
    }

    public void Dispose() => _gate.Dispose();
}

/// <summary>The gate as the innermost handler of the Kisi HttpClient: under the retries, so each attempt takes a token.</summary>
public sealed class KisiRateGateHandler(KisiRateGate gate) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        gate.SendAsync(request, base.SendAsync, cancellationToken);
}
