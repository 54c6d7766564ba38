using System.Threading.Channels;
using Coworking.Edge.Osdp.Transport;

namespace Coworking.Edge.Tests.Osdp.Support;

/// <summary>Two transports joined back to back, as a null-modem cable would join two serial ports.</summary>
internal static class InMemoryLink
{
    public static (IOsdpTransport ControlPanel, IOsdpTransport Peripheral) CreatePair()
    {
        var toPeripheral = Channel.CreateUnbounded<byte[]>();
        var toControlPanel = Channel.CreateUnbounded<byte[]>();
        return (new ChannelTransport("memory-cp", toControlPanel.Reader, toPeripheral.Writer),
                new ChannelTransport("memory-pd", toPeripheral.Reader, toControlPanel.Writer));
    }

    private sealed class ChannelTransport(string name, ChannelReader<byte[]> inbound, ChannelWriter<byte[]> outbound) : IOsdpTransport
    {
        private ReadOnlyMemory<byte> pending;

        public string Name => name;

        public Task OpenAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (pending.IsEmpty)
            {
                pending = await inbound.ReadAsync(cancellationToken);
            }

            var n = Math.Min(buffer.Length, pending.Length);
            pending[..n].CopyTo(buffer);
            pending = pending[n..];
            return n;
        }

        public ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
        {
            outbound.TryWrite(bytes.ToArray());
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
