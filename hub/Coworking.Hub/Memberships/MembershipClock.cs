namespace Coworking.Hub.Memberships;

/// <summary>
/// Applies what falls due in memberships (pause ends, cancellations, period ends with a tier change) once a
/// minute. Safe with several hub instances: each member is changed under its row lock.
/// </summary>
internal sealed partial class MembershipClock(MembershipStore store, TimeProvider time, ILogger<MembershipClock> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                var applied = await store.ApplyDueAsync(stoppingToken);
                if (applied > 0)
                {
                    LogApplied(logger, applied);
                }
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
            {
                LogFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied due membership changes for {Count} member(s)")]
    private static partial void LogApplied(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Applying due membership changes failed; retrying at the next tick")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
