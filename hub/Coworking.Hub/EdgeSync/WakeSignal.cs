namespace Coworking.Hub.EdgeSync;

/// <summary>One stream's wake-up: a wake while nobody waits is remembered until the next wait, several count as one.</summary>
internal sealed class WakeSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    /// <summary>Waits for a wake, at most <paramref name="timeout"/>.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    public void Wake()
    {
        try
        {
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        }
        catch (Exception ex) when (ex is SemaphoreFullException or ObjectDisposedException)
        {
            // Woken twice at once, or the stream ended meanwhile: either way nothing is left to do.
        }
    }

    public void Dispose() => _signal.Dispose();
}
