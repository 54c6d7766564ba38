namespace Coworking.Sim.Control;

/// <summary>
/// A simulated vendor's rate limit as vendors count it: at most <c>perSecond</c> requests arrive in any one second;
/// the next is refused (the caller answers 429 with Retry-After) and counted. Counts every request too.
/// </summary>
internal sealed class RequestRate(int perSecond)
{
    private readonly Lock _sync = new();
    private readonly Queue<DateTimeOffset> _recent = new();
    private long _requests;
    private long _rateLimited;

    public int PerSecond { get; } = perSecond;

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests refused for arriving over the limit (429s answered).</summary>
    public long RateLimited => Interlocked.Read(ref _rateLimited);

    public bool Admit(DateTimeOffset now)
    {
        lock (_sync)
        {
            _requests++;
            while (_recent.Count > 0 && now - _recent.Peek() >= TimeSpan.FromSeconds(1))
            {
                _recent.Dequeue();
            }

            if (_recent.Count >= PerSecond)
            {
                _rateLimited++;
                return false;
            }

            _recent.Enqueue(now);
            return true;
        }
    }
}
