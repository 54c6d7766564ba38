using System.Collections.Concurrent;
using Coworking.Hub.Database;

namespace Coworking.Hub.Auth;

/// <summary>
/// Keys verified against the database in the last <see cref="Lifetime"/>, so most requests skip the key's round
/// trip. A revocation bites at once on every hub instance: the revoking statement NOTIFYs <see cref="RevokedChannel"/>
/// with the key's id on commit and each instance hears it (<see cref="DatabaseNotifications"/>) and forgets the key.
/// While the instance does not listen nothing is served from memory (a notification might be missed), and the lifetime
/// is the safety net should one ever be lost anyway.
/// </summary>
internal sealed class ApiKeyCache(TimeProvider time, ILogger<ApiKeyCache> log) : INotificationListener
{
    public const string RevokedChannel = "api_key_revoked";

    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _awaited = new();

    // Bumped by every revocation heard and whenever listening starts or stops: a key read from the database
    // before a bump may be stale by the time it would be remembered, so it is not.
    private long _generation;
    private volatile bool _listening;

    /// <summary>Whether this instance hears revocations, and so remembers keys.</summary>
    public bool Listening => _listening;

    /// <summary>The moment to take before reading a key, to hand to <see cref="Remember"/> with what was read.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>The caller of a key verified recently whose secret hash is <paramref name="secretHash"/>, or null.</summary>
    public Caller? Find(string prefix, ReadOnlySpan<byte> secretHash)
    {
        if (!_listening || !_entries.TryGetValue(prefix, out var entry) || entry.Expires <= time.GetUtcNow())
        {
            return null;
        }

        return secretHash.SequenceEqual(entry.SecretHash) ? entry.Caller : null;
    }

    /// <summary>Keeps a key verified against the database, unless a revocation was heard since <paramref name="generation"/>.</summary>
    public void Remember(string prefix, byte[] secretHash, Caller caller, long generation)
    {
        if (!_listening || generation != Generation)
        {
            return;
        }

        _entries[prefix] = new Entry(secretHash, caller, time.GetUtcNow() + Lifetime);
        if (generation != Generation)
        {
            _entries.TryRemove(prefix, out _);
        }
    }

    /// <summary>Call before the revoking statement: the task completes when this instance hears its notification.</summary>
    public Task HeardRevocation(Guid keyId) =>
        _listening ? _awaited.GetOrAdd(keyId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task : Task.CompletedTask;

    /// <summary>
    /// Forgets the revoked key here at once, and answers when this instance has heard the revocation's notification
    /// (so have the others, give or take their scheduling), or after a second if it does not come.
    /// </summary>
    public async Task RevokedAsync(Guid keyId, Task heard, CancellationToken cancellationToken)
    {
        Forget(keyId);
        try
        {
            await heard.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
        }
        catch (TimeoutException)
        {
            log.LogWarning("The revocation of API key {KeyId} was not heard back within a second", keyId);
        }
        finally
        {
            _awaited.TryRemove(keyId, out _);
        }
    }

    /// <summary>Stops waiting for a revocation that did not happen (the key was unknown or revoked already).</summary>
    public void NotRevoked(Guid keyId) => _awaited.TryRemove(keyId, out _);

    IReadOnlyCollection<string> INotificationListener.Channels { get; } = [RevokedChannel];

    void INotificationListener.Listening()
    {
        Interlocked.Increment(ref _generation);
        _listening = true;
    }

    void INotificationListener.Lost() => StopServing();

    void INotificationListener.Heard(string channel, string payload) => Heard(payload);

    private void Heard(string payload)
    {
        if (!Guid.TryParse(payload, out var keyId))
        {
            return;
        }

        Forget(keyId);
        if (_awaited.TryGetValue(keyId, out var awaited))
        {
            awaited.TrySetResult();
        }
    }

    private void Forget(Guid keyId)
    {
        Interlocked.Increment(ref _generation);
        foreach (var (prefix, entry) in _entries)
        {
            if (entry.Caller.Actor.Id == keyId)
            {
                _entries.TryRemove(prefix, out _);
            }
        }
    }

    private void StopServing()
    {
        _listening = false;
        Interlocked.Increment(ref _generation);
        _entries.Clear();
        foreach (var awaited in _awaited.Values)
        {
            awaited.TrySetResult();
        }
    }

    private sealed record Entry(byte[] SecretHash, Caller Caller, DateTimeOffset Expires);
}
