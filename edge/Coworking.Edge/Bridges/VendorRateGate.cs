using System.Net;

namespace Coworking.Edge.Bridges;

/// <summary>
/// One vendor account's rate limit: a token bucket of one token in front of every attempt (retries and token requests
/// included), so the bridge never sends the vendor more than its requests in any second as the vendor counts them. The
/// token comes back 1/rate seconds (plus a margin) after the previous answer arrived, not after it was sent: vendors
/// count arrivals, and a slow first request followed by quick ones would otherwise land one too many inside a second.
/// Calls therefore go one at a time. A 429 keeps the token for Retry-After (or a second) plus jitter, for every caller:
/// the limit is per account. Counts calls and 429s for /status.
/// </summary>
public sealed class VendorRateGate(double requestsPerSecond, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(15);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeSpan _interval = TimeSpan.FromSeconds(1 / Math.Clamp(requestsPerSecond, 0.1, 100)) + Margin;
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

/// <summary>The gate as the innermost handler of a vendor's HttpClients: under the retries, so each attempt takes a token.</summary>
public sealed class VendorRateGateHandler(VendorRateGate gate) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        gate.SendAsync(request, base.SendAsync, cancellationToken);
}
