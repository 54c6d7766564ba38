using Coworking.Edge.Osdp.Framing;
using Coworking.Edge.Osdp.Transport;

namespace Coworking.Edge.Tests.Osdp.Support;

/// <summary>The PD end of a bus: reads frames from a transport and lets each test PD answer those for its address.</summary>
internal sealed class TestPdResponder : IAsyncDisposable
{
    private readonly IOsdpTransport transport;
    private readonly TestPd[] pds;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public TestPdResponder(IOsdpTransport transport, params TestPd[] pds)
    {
        this.transport = transport;
        this.pds = pds;
        loop = Task.Run(() => RunAsync(stop.Token));
    }

    public OsdpRejectCounters Rejects { get; } = new();

    /// <summary>Bytes written to the bus before each reply (noise on the line), when set.</summary>
    public byte[]? NoiseBeforeReplies { get; set; }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await loop;
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
            // The pty this responder served is gone (a test unplugged it); there is nothing left to close.
        }

        await transport.DisposeAsync();
        stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        await transport.OpenAsync(cancellationToken);
        var parser = new OsdpFrameParser(Rejects);
        var buffer = new byte[256];
        while (!cancellationToken.IsCancellationRequested)
        {
            var read = await transport.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return;
            }

            parser.Feed(buffer.AsSpan(0, read));
            while (parser.TryTake(out var frame))
            {
                foreach (var pd in pds)
                {
                    if (pd.Handle(frame) is { } reply)
                    {
                        if (NoiseBeforeReplies is { } noise)
                        {
                            await transport.WriteAsync(noise, cancellationToken);
                        }

                        await transport.WriteAsync(reply, cancellationToken);
                    }
                }
            }
        }
    }
}
