using System.Collections.Concurrent;
using Coworking.Hub.Database;

namespace Coworking.Hub.Web.Console.Live;

/// <summary>
/// Wakes the console's open live streams of this hub instance when PostgreSQL NOTIFYs <see cref="Channel"/> (migration
/// 0140: a commit that inserted access decisions, door events or alarm acknowledgements, once per location), so a
/// stream reads the database only when something happened at one of its locations, whichever instance wrote it. While
/// the notification connection is lost, the streams poll (<see cref="IsListening"/>), and are woken when it is back to
/// catch up on what they may have missed. <see cref="Portal.Book.BookingSignals"/> is the same for the bookings channel.
/// </summary>
internal class LiveSignals : INotificationListener
{
    public const string Channel = "console_live";

    private readonly ConcurrentDictionary<Subscription, byte> subscriptions = new();

    private readonly IReadOnlyCollection<string> channels;

    private volatile bool listening;

    public LiveSignals()
        : this(Channel)
    {
    }

    /// <param name="channel">The channel whose "&lt;kind&gt;:&lt;location id&gt;" notifications wake the streams.</param>
    protected LiveSignals(string channel) => channels = [channel];

    public bool IsListening => listening;

    IReadOnlyCollection<string> INotificationListener.Channels => channels;

    /// <summary>A stream's subscription to the notifications of <paramref name="locationIds"/>; dispose it when the stream ends.</summary>
    public Subscription Subscribe(IReadOnlyCollection<Guid> locationIds)
    {
        var subscription = new Subscription(this, [.. locationIds]);
        subscriptions[subscription] = 0;
        return subscription;
    }

    void INotificationListener.Listening()
    {
        listening = true;
        WakeAll();
    }

    void INotificationListener.Lost()
    {
        listening = false;
        WakeAll();
    }

    void INotificationListener.Heard(string channel, string payload)
    {
        // "<kind>:<location id>"; the stream works out what is new itself, so only the location matters here.
        var colon = payload.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !Guid.TryParse(payload.AsSpan(colon + 1), out var location))
        {
            return;
        }

        foreach (var subscription in subscriptions.Keys)
        {
            if (subscription.Locations.Contains(location))
            {
                subscription.Wake();
            }
        }
    }

    private void WakeAll()
    {
        foreach (var subscription in subscriptions.Keys)
        {
            subscription.Wake();
        }
    }

    public sealed class Subscription(LiveSignals owner, HashSet<Guid> locations) : IDisposable
    {
        private TaskCompletionSource signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal HashSet<Guid> Locations { get; } = locations;

        /// <summary>
        /// Waits until something happened at one of the locations since the last wait returned, or <paramref name="longest"/>
        /// passed; true when woken. A notification that came while the stream was busy wakes the next wait at once.
        /// </summary>
        public async Task<bool> WaitAsync(TimeSpan longest, TimeProvider time, CancellationToken cancellationToken)
        {
            var current = Volatile.Read(ref signal);
            try
            {
                await current.Task.WaitAsync(longest, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                return false;
            }

            Interlocked.CompareExchange(ref signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), current);
            return true;
        }

        internal void Wake() => Volatile.Read(ref signal).TrySetResult();

        public void Dispose() => owner.subscriptions.TryRemove(this, out _);
    }
}
