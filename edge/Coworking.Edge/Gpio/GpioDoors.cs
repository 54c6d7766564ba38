using System.Device.Gpio;
using Coworking.Edge.Cache;
using Coworking.Edge.Configuration;
using Coworking.Edge.Doors;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coworking.Edge.Gpio;

/// <summary>
/// Opens the configured GPIO doors at start-up and registers them, so the door control takes them
/// over. Each strike starts in its door's fail mode (from the cached policy) until then. When the
/// process ends the kernel releases the lines: the relay wiring (pull resistors) must give the same
/// fail mode without the edge (docs/EDGE.md).
/// </summary>
public sealed class GpioDoors(
    GpioOptions options,
    Func<GpioController> openController,
    DoorRegistry doors,
    GrantCache cache,
    TimeProvider time,
    ILoggerFactory loggers) : IHostedService, IDisposable
{
    private readonly List<GpioDoorHardware> _hardware = [];
    private GpioController? _controller;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Doors.Count == 0)
        {
            return Task.CompletedTask;
        }

        _controller = openController();
        var log = loggers.CreateLogger<GpioDoorHardware>();
        foreach (var door in options.Doors)
        {
            var failSafe = cache.Index.TryGetDoor(door.DoorId, out var policy) && policy.FailSafe;
            var hardware = new GpioDoorHardware(_controller, door, failSafe, time, log);
            _hardware.Add(hardware);
            doors.AddDoor(hardware);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Safe to call twice: the container disposes it both as itself and as a hosted service.</summary>
    public void Dispose()
    {
        foreach (var hardware in _hardware)
        {
            hardware.Dispose();
        }

        _hardware.Clear();
        _controller?.Dispose();
        _controller = null;
    }
}
