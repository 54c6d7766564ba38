using System.Threading.Channels;
using Coworking.Edge.Osdp.ControlPanel;
using Coworking.Edge.Osdp.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coworking.Edge.Tests.Osdp.Support;

/// <summary>A running bus plus helpers to wait, with a timeout, for what a test expects to see.</summary>
internal sealed class BusHarness : IAsyncDisposable
{
    /// <summary>A bound, not a timing: generous, since a loaded 2-core CI machine can starve a test for seconds.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);
    private readonly CancellationTokenSource stop = new();
    private readonly Task running;
    private readonly Channel<PdEvent> seen = Channel.CreateUnbounded<PdEvent>();
    private readonly Task pump;

    public BusHarness(OsdpBusOptions options, IOsdpTransport transport, ILogger<OsdpBus>? logger = null)
    {
        Bus = new OsdpBus(options, transport, TimeProvider.System, logger ?? NullLogger<OsdpBus>.Instance);
        running = Task.Run(() => Bus.RunAsync(stop.Token));
        pump = Task.Run(async () =>
        {
            await foreach (var e in Bus.Events.ReadAllAsync())
            {
                seen.Writer.TryWrite(e);
            }
        });
    }

    public OsdpBus Bus { get; }

    /// <summary>Options with short timings so tests spend little time waiting for deadlines.</summary>
    public static OsdpBusOptions FastOptions(params OsdpReaderOptions[] readers) => new()
    {
        PortName = "test",
        BaudRate = 115200,
        ReplyTimeout = TimeSpan.FromMilliseconds(100),
        OfflineAfterMisses = 2,
        PollInterval = TimeSpan.FromMilliseconds(5),
        ReprobeInterval = TimeSpan.FromMilliseconds(100),
        ReopenDelay = TimeSpan.FromMilliseconds(100),
        Readers = readers,
    };

    public static OsdpReaderOptions Reader(byte address, bool secure = false, string? scbk = null) =>
        new() { Address = address, DoorId = $"door-{address}", SecureChannel = secure, Scbk = scbk };

    /// <summary>Waits for the first event of type <typeparamref name="T"/> that matches, skipping others.</summary>
    public async Task<T> NextAsync<T>(Func<T, bool>? match = null)
        where T : PdEvent
    {
        using var timeout = new CancellationTokenSource(WaitLimit);
        while (true)
        {
            var e = await seen.Reader.ReadAsync(timeout.Token);
            if (e is T typed && (match?.Invoke(typed) ?? true))
            {
                return typed;
            }
        }
    }

    public Task<PdOnlineChanged> OnlineAsync(byte address) => NextAsync<PdOnlineChanged>(e => e.Address == address && e.Online);

    /// <summary>Waits until the reader is online, answered the status queries that follow, and is being polled.</summary>
    public async Task SettledAsync(TestPd pd)
    {
        await OnlineAsync(pd.Address);
        Assert.True(await EventuallyAsync(() => pd.Received
            .SkipWhile(c => c.Command is not Coworking.Edge.Osdp.Commands.OutputStatusCommand)
            .Any(c => c.Command is Coworking.Edge.Osdp.Commands.PollCommand)));
    }

    public Task<PdOnlineChanged> OfflineAsync(byte address) => NextAsync<PdOnlineChanged>(e => e.Address == address && !e.Online);

    /// <summary>Polls <paramref name="condition"/> until it holds or the wait limit passes.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(WaitLimit);
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await running;
        await pump;
        stop.Dispose();
    }
}
