using System.Globalization;
using Coworking.Edge.Outbox;
using Microsoft.Extensions.Hosting.Systemd;

namespace Coworking.Edge.Status;

/// <summary>
/// Keeps systemd's watchdog fed while the edge is healthy: WATCHDOG=1 at half the interval systemd asked for
/// (WATCHDOG_USEC), as long as the outbox records events. An outbox that died, or a process too stuck to run
/// this loop, stops the pings, and systemd restarts the edge (WatchdogSec in the unit).
/// </summary>
public sealed class SystemdWatchdog(ISystemdNotifier notifier, EventOutbox outbox, TimeProvider time, ILogger<SystemdWatchdog> log) : BackgroundService
{
    private static readonly ServiceState Alive = new("WATCHDOG=1");

    /// <summary>
    /// The notify socket and, with it, READY=1 once started and STOPPING=1 on stop (SystemdLifetime), whenever
    /// systemd gave the edge a NOTIFY_SOCKET: Type=notify units get one, and so does a test that listens.
    /// </summary>
    public static IServiceCollection AddSystemdNotifications(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NOTIFY_SOCKET")))
        {
            return services;
        }

        services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
        services.AddSingleton<IHostLifetime, SystemdLifetime>();
        services.AddHostedService<SystemdWatchdog>();
        return services;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!notifier.IsEnabled || Interval() is not { } interval)
        {
            return;
        }

        log.LogInformation("Pinging the systemd watchdog every {Interval} while the outbox records", interval);
        var warned = false;
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            if (outbox.ExecuteTask is { IsCompleted: false })
            {
                notifier.Notify(Alive);
                warned = false;
            }
            else if (!warned)
            {
                log.LogCritical("The outbox no longer records events: the systemd watchdog is no longer pinged and will restart the edge");
                warned = true;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Half of WATCHDOG_USEC, when the watchdog is meant for this process (WATCHDOG_PID unset or ours).</summary>
    private static TimeSpan? Interval()
    {
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        return long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds) && microseconds > 0
            ? TimeSpan.FromMicroseconds(microseconds / 2.0)
            : null;
    }
}
