namespace Coworking.Edge.Osdp.Transport;

/// <summary>
/// The byte pipe under one OSDP bus: a serial port in production, an in-memory link in unit tests. The bus
/// opens it, reads and writes from one task at a time, and reopens it after an I/O error.
/// </summary>
public interface IOsdpTransport : IAsyncDisposable
{
    /// <summary>A name for logs and the status page, e.g. the device path.</summary>
    string Name { get; }

    /// <summary>Opens the transport, closing it first if it was open.</summary>
    Task OpenAsync(CancellationToken cancellationToken);

    /// <summary>Reads at least one byte; 0 means the other end is gone.</summary>
    ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);
}
