using System.IO.Ports;

namespace Coworking.Edge.Osdp.Transport;

/// <summary>
/// An RS-485 port through System.IO.Ports: 8 data bits, no parity, 1 stop bit, no handshake. The modem
/// lines (RTS, DTR) are never touched: a pseudo-terminal rejects those ioctls ("Inappropriate ioctl for
/// device"), and RS-485 adapters switch the line direction themselves. When the device goes away (adapter
/// unplugged, pty closed) the runtime closes the port under a pending read, which surfaces as
/// ObjectDisposedException; it is reported as the IOException it is, so the bus reopens the port.
/// </summary>
public sealed class SerialPortTransport(string portName, int baudRate) : IOsdpTransport
{
    private SerialPort? port;

    public string Name => portName;

    public Task OpenAsync(CancellationToken cancellationToken)
    {
        Close();
        var opening = new SerialPort(portName, baudRate, Parity.None, 8, StopBits.One) { Handshake = Handshake.None };
        try
        {
            opening.Open();
            opening.DiscardInBuffer();
        }
        catch
        {
            opening.Dispose();
            throw;
        }

        port = opening;
        return Task.CompletedTask;
    }

    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await Open().BaseStream.ReadAsync(buffer, cancellationToken);
        }
        catch (ObjectDisposedException e)
        {
            throw Gone(e);
        }
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        try
        {
            var stream = Open().BaseStream;
            await stream.WriteAsync(bytes, cancellationToken);
            await stream.FlushAsync(cancellationToken);
        }
        catch (ObjectDisposedException e)
        {
            throw Gone(e);
        }
    }

    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }

    private SerialPort Open() => port is { IsOpen: true } ? port : throw new IOException($"Serial port {portName} is not open.");

    private IOException Gone(ObjectDisposedException e) => new($"Serial port {portName} was closed: the device went away.", e);

    private void Close()
    {
        port?.Dispose();
        port = null;
    }
}
