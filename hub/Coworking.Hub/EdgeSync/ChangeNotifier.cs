using System.Collections.Concurrent;
using Coworking.Hub.Access;
using Coworking.Hub.Database;

namespace Coworking.Hub.EdgeSync;

/// <summary>
/// Wakes this hub instance's edge streams when their location's log grows or their edge is revoked,
/// whichever instance made the change: the instance's notification connection (<see cref="DatabaseNotifications"/>)
/// hears the channels the writers NOTIFY on commit (ARCHITECTURE §4). A notification carries no data the streams
/// rely on: they read the log themselves, so after the listening connection is lost and made again every stream is
/// woken once to catch up with whatever it missed meanwhile.
/// </summary>
public sealed class ChangeNotifier : INotificationListener
{
    private readonly ConcurrentDictionary<Subscription, byte> _subscriptions = new();

    /// <summary>Wakes on new entries in the location's log and on the edge's revocation; dispose to stop.</summary>
    public Subscription Subscribe(Guid locationId, Guid edgeId)
    {
        var subscription = new Subscription(this, locationId, edgeId);
        _subscriptions[subscription] = 0;
        return subscription;
    }

    IReadOnlyCollection<string> INotificationListener.Channels { get; } = [ChangeLog.Channel, EdgeStore.RevokedChannel];

    /// <summary>Listening again after a loss: every stream catches up with what it may have missed meanwhile.</summary>
    void INotificationListener.Listening() => WakeAll();

    void INotificationListener.Lost()
    {
        // The streams keep polling their log on their own interval until the notifications are back.
    }

    void INotificationListener.Heard(string channel, string payload) => Dispatch(channel, payload);

    private void Dispatch(string channel, string payload)
    {
        if (channel == ChangeLog.Channel)
        {
            var colon = payload.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && Guid.TryParse(payload.AsSpan(0, colon), out var locationId))
            {
                foreach (var subscription in _subscriptions.Keys.Where(s => s.LocationId == locationId))
                {
                    subscription.Wake();
                }
            }
        }
        else if (channel == EdgeStore.RevokedChannel && Guid.TryParse(payload, out var edgeId))
        {
            foreach (var subscription in _subscriptions.Keys.Where(s => s.EdgeId == edgeId))
            {
                subscription.Revoke();
            }
        }
    }

    private void WakeAll()
    {
        foreach (var subscription in _subscriptions.Keys)
        {
            subscription.Wake();
        }
    }

    /// <summary>One edge stream's wake-up signal. A wake while nobody waits is remembered until the next wait.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly ChangeNotifier _owner;
        private readonly WakeSignal _signal = new();
        private readonly CancellationTokenSource _revoked = new();

        internal Subscription(ChangeNotifier owner, Guid locationId, Guid edgeId)
        {
            _owner = owner;
            LocationId = locationId;
            EdgeId = edgeId;
        }

        public Guid LocationId { get; }

        public Guid EdgeId { get; }

        /// <summary>Cancelled when the edge is revoked.</summary>
        public CancellationToken Revoked => _revoked.Token;

        /// <summary>Waits for a wake, at most <paramref name="timeout"/>.</summary>
        public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

        public void Dispose()
        {
            _owner._subscriptions.TryRemove(this, out _);
            _revoked.Dispose();
            _signal.Dispose();
        }

        internal void Wake() => _signal.Wake();

        internal void Revoke()
        {
            try
            {
                _revoked.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The stream ended before the revocation reached it.
            }
        }
    }
}
