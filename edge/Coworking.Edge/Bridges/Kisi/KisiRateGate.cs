using System.Net;

namespace Coworking.Edge.Bridges.Kisi;

/// <summary>
/// A token bucket of one token, in front of every attempt (retries included), so the bridge never sends Kisi more than
/// its 5 requests in any second as Kisi counts them. The token comes back 1/rate seconds (plus a margin) after the
/// previous answer arrived, not after it was sent: Kisi counts arrivals, and a slow first request followed by quick
/// ones would otherwise land six inside one second. Calls therefore go one at a time, which 5 a second allows anyway.
/// A 429 keeps the token for Retry-After (or a second) plus jitter, for every caller: Kisi's limit is per key.
/// Counts calls and 429s for /status.
/// </summary>
public sealed class KisiRateGate(KisiOptions options, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(15);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeSpan _interval = TimeSpan.FromSeconds(1 / Math.Clamp(options.RequestsPerSecond, 0.1, 100)) + Margin;
    private DateTimeOffset _next = DateTimeOffset.MinValue;
    private long _calls;
    private long _rateLimited;

    public long Calls => Interlocked.Read(ref _calls);

    public long RateLimited => Interlocked.Read(ref _rateLimited);

    public async Task<HttpResponseMessage> SendAsync(
        HttpRequestMessage request, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var wait = _next - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken);
            }

            Interlocked.Increment(ref _calls);
            var response = await send(request, cancellationToken);
            _next = time.GetUtcNow() + _interval;
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Interlocked.Increment(ref _rateLimited);
                var retryAfter = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                _next = time.GetUtcNow() + retryAfter + TimeSpan.FromMilliseconds(Random.Shared.Next(50, 500));
            }

            return response;
        }
        catch
        {
            _next = time.GetUtcNow() + _interval;
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}

/// <summary>The gate as the innermost handler of the Kisi HttpClient: under the retries, so each attempt takes a token.</summary>
public sealed class KisiRateGateHandler(KisiRateGate gate) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        gate.SendAsync(request, base.SendAsync, cancellationToken);
}
