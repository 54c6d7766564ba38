using Coworking.Edge.Cache;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coworking.Edge.Doors;

/// <summary>
/// Holds each door's strike released during its unlocked hours (DoorUpsert.unlocked_hours, in the location's
/// time zone on its wall clock, so DST days mean what the operator typed) and secures it outside them. A
/// lockdown covering the door ends its unlocked hours at once. At a first-person-in door the hours begin only
/// once a staff holder has been granted there inside the current window; that is kept in
/// <see cref="FirstPersonInState"/> (on disk beside the cache), so an edge restarted inside the window keeps the door
/// open, and the next window waits for staff again. Checked every second and at once after a staff grant.
/// </summary>
public sealed class UnlockedHours(DoorRegistry doors, GrantCache cache, FirstPersonInState firstPersonIn, TimeProvider time, ILogger<UnlockedHours> log)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private TaskCompletionSource _woken = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A grant at a door: a staff holder's opens a first-person-in door's current window.</summary>
    public void NoteGranted(string doorId, string? holderId, DateTimeOffset at)
    {
        var index = cache.Index;
        if (holderId is null || !index.TryGetDoor(doorId, out var door) || !door.FirstPersonIn || door.UnlockedHours is null
            || index.Location is not { } location || !index.DoorControl.Staff.Contains(EntityId.Of(holderId))
            || WindowAt(door.UnlockedHours, location.TimeZone, at) is not { } window)
        {
            return;
        }

        if (!firstPersonIn.Open(doorId, window))
        {
            return;
        }

        log.LogInformation("Door {DoorId}: staff holder {HolderId} is in first; its unlocked hours begin", doorId, holderId);
        Wake();
    }

    /// <summary>Whether the door's strike should be held released now.</summary>
    public bool ShouldHoldReleased(string doorId, DateTimeOffset now)
    {
        var index = cache.Index;
        if (!index.TryGetDoor(doorId, out var door) || door.UnlockedHours is null || index.Location is not { } location
            || index.DoorControl.IsLockedDown(door) || WindowAt(door.UnlockedHours, location.TimeZone, now) is not { } window)
        {
            return false;
        }

        return !door.FirstPersonIn || firstPersonIn.IsOpened(doorId, window);
    }

    /// <summary>Brings every door's strike in line with its unlocked hours now.</summary>
    public async Task ApplyAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var door in doors.Doors)
        {
            try
            {
                await door.SetHeldReleasedAsync(ShouldHoldReleased(door.DoorId, now), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One unreachable door must not keep the others from their hours; the next round tries again.
                log.LogError(ex, "Door {DoorId}: could not apply its unlocked hours", door.DoorId);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // A wake while the doors are applied is kept for the wait below.
            var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _woken, woken);
            try
            {
                await ApplyAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            await Task.WhenAny(woken.Task, Task.Delay(Interval, time, stoppingToken)).ConfigureAwait(false);
        }
    }

    private static WindowKey? WindowAt(WeeklySchedule hours, TimeZoneInfo zone, DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        return hours.TryGetWindowStart(LocalTime.Of(instant, zone), out var start)
            ? new WindowKey(DateOnly.FromDateTime(local.DateTime), start)
            : null;
    }

    private void Wake() => Volatile.Read(ref _woken).TrySetResult();
}
