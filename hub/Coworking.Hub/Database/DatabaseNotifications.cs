using Npgsql;

namespace Coworking.Hub.Database;

/// <summary>Something in the hub that acts on PostgreSQL notifications (NOTIFY on commit) of some channels.</summary>
internal interface INotificationListener
{
    IReadOnlyCollection<string> Channels { get; }

    /// <summary>Listening (again): anything sent while it was not was missed.</summary>
    void Listening();

    /// <summary>Not listening any more (the connection was lost, or the hub is stopping) until <see cref="Listening"/>.</summary>
    void Lost();

    void Heard(string channel, string payload);
}

/// <summary>
/// One connection per hub instance LISTENs to every channel the instance's listeners name and hands each notification
/// to the listener of its channel. One connection rather than one per listener, because PostgreSQL signals every
/// listening backend at each commit that notifies, whatever the channel: a booking's commit (it notifies the change
/// log) woke two backends before. A lost connection is made again with a doubling pause (at most ten seconds); the
/// listeners are told when it is lost and when it listens again.
/// </summary>
internal sealed class DatabaseNotifications(NpgsqlDataSource db, IEnumerable<INotificationListener> listeners, ILogger<DatabaseNotifications> log)
    : BackgroundService
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(10);

    private readonly IReadOnlyList<INotificationListener> _listeners = [.. listeners];
    private readonly ILookup<string, INotificationListener> _byChannel =
        listeners.SelectMany(l => l.Channels, (listener, channel) => (listener, channel)).ToLookup(p => p.channel, p => p.listener);

    /// <summary>The channels listened to, for the log.</summary>
    private string Channels => string.Join(", ", _byChannel.Select(c => c.Key));

    // The pause before the next attempt: doubled by each failure, back to the first once listening works again.
    private TimeSpan _retry = FirstRetry;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await ListenAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
                {
                    Lost();
                    log.LogWarning(ex, "Lost the notification connection ({Channels}); listening again in {Retry}", Channels, _retry);
                    await Task.Delay(_retry, stoppingToken);
                    _retry = TimeSpan.FromTicks(Math.Min(_retry.Ticks * 2, LongestRetry.Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The hub is stopping.
        }
        finally
        {
            Lost();
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        await using var conn = await db.OpenConnectionAsync(stoppingToken);
        conn.Notification += (_, e) =>
        {
            foreach (var listener in _byChannel[e.Channel])
            {
                listener.Heard(e.Channel, e.Payload);
            }
        };
        await using (var listen = new NpgsqlCommand(string.Concat(_byChannel.Select(c => $"LISTEN {c.Key};")), conn))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }

        log.LogInformation("Listening for notifications on {Channels}", Channels);
        _retry = FirstRetry;
        foreach (var listener in _listeners)
        {
            listener.Listening();
        }

        while (true)
        {
            if (!await conn.WaitAsync(ProbeInterval, stoppingToken))
            {
                // Quiet for a while: make sure the connection still works, or learn that it does not.
                await using var probe = new NpgsqlCommand("SELECT 1", conn);
                await probe.ExecuteScalarAsync(stoppingToken);
            }
        }
    }

    private void Lost()
    {
        foreach (var listener in _listeners)
        {
            listener.Lost();
        }
    }
}
