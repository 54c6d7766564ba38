using System.IO.Ports;

namespace Coworking.Sim.Bus;

/// <summary>
/// Opens each bus's serial port (the sim's end of a socat pty pair, or a real RS-485 adapter) and runs it. A port
/// that is missing or goes away is retried every half second, so the sim may start before socat.
/// </summary>
internal sealed class ReaderBusService(ReaderDirectory directory, TimeProvider time, ILogger<ReaderBusService> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(directory.Buses.Select(bus => RunAsync(bus, stoppingToken)));

    private async Task RunAsync(OsdpBus bus, CancellationToken cancellationToken)
    {
        var outageReported = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var port = new SerialPort(bus.Port, bus.BaudRate) { Handshake = Handshake.None };
                port.Open();
                bus.IsOpen = true;
                outageReported = false;
                logger.LogInformation(
                    "Bus {Port} open at {BaudRate} baud, readers at addresses {Addresses}",
                    bus.Port,
                    bus.BaudRate,
                    string.Join(", ", bus.Readers.Select(r => r.Snapshot().Address)));
                await bus.ProcessAsync(port.BaseStream, cancellationToken);
                logger.LogWarning("Bus {Port}: the other end closed the line", bus.Port);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
            {
                if (!outageReported)
                {
                    logger.LogWarning("Bus {Port} unavailable ({Reason}); retrying every {RetryMs} ms", bus.Port, e.Message, RetryDelay.TotalMilliseconds);
                    outageReported = true;
                }
            }
            finally
            {
                bus.IsOpen = false;
            }

            try
            {
                await Task.Delay(RetryDelay, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
