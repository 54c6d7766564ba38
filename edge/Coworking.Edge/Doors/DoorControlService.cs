using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coworking.Edge.Doors;

/// <summary>
/// Takes control of every registered door when the edge has started (secured, normal operation), and
/// leaves each in its fail mode when the edge stops: fail-secure locked, fail-safe released.
/// </summary>
public sealed class DoorControlService(DoorRegistry doors, ILogger<DoorControlService> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var door in doors.Doors)
        {
            await door.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        log.LogInformation("Controlling {Count} doors", doors.Doors.Count);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var door in doors.Doors)
        {
            try
            {
                await door.ApplyFailModeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // One unreachable door must not keep the others from their fail mode.
                log.LogError(ex, "Door {DoorId} could not be put in its fail mode", door.DoorId);
            }
        }
    }
}
