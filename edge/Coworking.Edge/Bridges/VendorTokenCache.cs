namespace Coworking.Edge.Bridges;

/// <summary>
/// One vendor's bearer token, shared by every call: fetched once while several calls wait, kept until
/// <c>renewBefore</c> its expiry, dropped when the vendor refuses it. The token is never logged.
/// </summary>
internal sealed class VendorTokenCache(TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Key, string Token, string? Refresh, DateTimeOffset Expires)? _current;

    /// <summary>
    /// The token for <paramref name="key"/> (the account's version and token URL), or a new one from
    /// <paramref name="fetch"/>, which is handed the refresh token of the token it replaces, if any.
    /// </summary>
    public async Task<string> GetAsync(
        string key, TimeSpan renewBefore, Func<string?, CancellationToken, Task<(string Token, string? Refresh, int ExpiresIn)>> fetch, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } current && current.Key == key && current.Expires - time.GetUtcNow() > renewBefore)
            {
                return current.Token;
            }

            var refresh = _current is { } previous && previous.Key == key ? previous.Refresh : null;
            var (token, nextRefresh, expiresIn) = await fetch(refresh, cancellationToken);
            _current = (key, token, nextRefresh, time.GetUtcNow().AddSeconds(Math.Max(1, expiresIn)));
            return token;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The vendor refused this token: the next <see cref="GetAsync"/> fetches another.</summary>
    public void Invalidate(string token)
    {
        if (_current is { } current && current.Token == token)
        {
            _current = current with { Expires = DateTimeOffset.MinValue };
        }
    }

    public void Dispose() => _gate.Dispose();
}
