using System.IO.Ports;

namespace Coworking.Edge.Osdp.Transport;

/// <summary>
/// An RS-485 port through System.IO.Ports: 8 data bits, no parity, 1 stop bit, no handshake. The modem
/// lines (RTS, DTR) are never touched: a pseudo-terminal rejects those ioctls ("Inappropriate ioctl for
/// device"), and RS-485 adapters switch the line direction themselves.
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

    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        Open().BaseStream.ReadAsync(buffer, cancellationToken);

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var stream = Open().BaseStream;
        await stream.WriteAsync(bytes, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }

    private SerialPort Open() => port ?? throw new IOException($"Serial port {portName} is not open.");

    private void Close()
    {
        port?.Dispose();
        port = null;
    }
}
