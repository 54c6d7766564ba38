using System.Diagnostics;
using System.Globalization;
using Coworking.Benchmarks.Support;
using Coworking.Edge.Osdp.Cards;
using Coworking.Edge.Osdp.Commands;
using Coworking.Edge.Osdp.ControlPanel;
using Coworking.Edge.Osdp.Framing;
using Coworking.Edge.Osdp.Replies;
using Coworking.Edge.Osdp.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coworking.Benchmarks.Osdp;

/// <summary>
/// <c>osdp [--cards N] [--baud B]</c>: the frame parser's throughput, then, over a socat pty pair, the time from
/// a reader's card data leaving the reader (osdp_RAW written) to the strike command reaching it (osdp_OUT
/// parsed), with the edge reacting to each card by pulsing the output. A pty moves bytes without the serial
/// line's bit time, so the line time a real RS-485 line would add at the chosen baud is printed apart.
/// </summary>
internal static class OsdpBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var cards = Option(args, "--cards", 1000);
        var baud = Option(args, "--baud", 115200);
        Parser();
        await CardToStrikeAsync(cards, baud);
        return 0;
    }

    private static void Parser()
    {
        var random = new Random(1);
        var frames = Enumerable.Range(0, 100_000).Select(_ => OsdpFrameEncoder.Encode(
            new OsdpFrameHeader((byte)random.Next(0x7F), true, (byte)random.Next(4), true),
            ReplyCode.RawCard,
            [.. Enumerable.Range(0, random.Next(4, 24)).Select(_ => (byte)random.Next(256))])).ToArray();
        var stream = frames.SelectMany(f => f).ToArray();
        var rates = new List<double>();
        for (var run = 0; run < 7; run++)
        {
            var parser = new OsdpFrameParser(new OsdpRejectCounters());
            var delivered = 0;
            var watch = Stopwatch.StartNew();
            for (var at = 0; at < stream.Length; at += 4096)
            {
                parser.Feed(stream.AsSpan(at, Math.Min(4096, stream.Length - at)));
                while (parser.TryTake(out _))
                {
                    delivered++;
                }
            }

            watch.Stop();
            if (delivered != frames.Length)
            {
                throw new InvalidOperationException($"parser delivered {delivered} of {frames.Length} frames");
            }

            rates.Add(frames.Length / watch.Elapsed.TotalSeconds);
        }

        rates.Sort();
        var median = rates[rates.Count / 2];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"osdp parser: {median / 1e6:F2} M frames/s, {median * stream.Length / frames.Length / 1e6:F0} MB/s (median of {rates.Count} runs, {frames.Length} CRC frames of {stream.Length / frames.Length} bytes average)"));
    }

    private static async Task CardToStrikeAsync(int cards, int baud)
    {
        var directory = Directory.CreateTempSubdirectory("osdp-bench-").FullName;
        var cpPath = Path.Combine(directory, "cp");
        var pdPath = Path.Combine(directory, "pd");
        using var socat = Process.Start(new ProcessStartInfo("socat", ["-d", "-d", $"pty,raw,echo=0,link={cpPath}", $"pty,raw,echo=0,link={pdPath}"]) { RedirectStandardError = true })!;
        try
        {
            for (var i = 0; i < 100 && !(File.Exists(cpPath) && File.Exists(pdPath)); i++)
            {
                await Task.Delay(50);
            }

            var options = new OsdpBusOptions
            {
                PortName = cpPath,
                BaudRate = baud,
                PollInterval = TimeSpan.FromMilliseconds(10),
                Readers = [new OsdpReaderOptions { Address = 1, DoorId = "bench" }],
            };
            var bus = new OsdpBus(options, TimeProvider.System, NullLogger<OsdpBus>.Instance);
            await using var reader = new BenchmarkReader(new SerialPortTransport(pdPath, baud));
            using var stop = new CancellationTokenSource();
            var running = bus.RunAsync(stop.Token);
            var reacting = Task.Run(async () =>
            {
                await foreach (var e in bus.Events.ReadAllAsync(stop.Token))
                {
                    if (e is CardPresented card)
                    {
                        _ = bus.PulseOutputAsync(card.Address, 0, TimeSpan.FromSeconds(3), stop.Token);
                    }
                }
            });

            await reader.WaitForPollAsync();
            var samples = new List<double>(cards);
            for (var i = 0; i < cards + 20; i++)
            {
                var elapsed = await reader.PresentCardAndWaitForStrikeAsync();
                if (i >= 20)
                {
                    samples.Add(elapsed.TotalMilliseconds);
                }
            }

            await stop.CancelAsync();
            await running;
            await reacting.ContinueWith(_ => { }, TaskScheduler.Default);
            var lineMs = (reader.CardFrameLength + reader.StrikeFrameLength) * 10.0 * 1000 / baud;
            Console.WriteLine($"osdp card-to-strike over a pty: {Percentiles.Of(samples).Format("ms")} (osdp_RAW written -> osdp_OUT parsed; edge polls every {options.PollInterval.TotalMilliseconds} ms)");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"osdp line time a real RS-485 line adds at {baud} baud for those two frames ({reader.CardFrameLength}+{reader.StrikeFrameLength} bytes): {lineMs:F2} ms (a pty does not emulate it)"));
        }
        finally
        {
            socat.Kill();
            await socat.WaitForExitAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>A plain (no secure channel) reader that answers the edge and times card-to-strike.</summary>
    private sealed class BenchmarkReader : IAsyncDisposable
    {
        private readonly IOsdpTransport transport;
        private readonly CancellationTokenSource stop = new();
        private readonly Task loop;
        private readonly TaskCompletionSource polled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock gate = new();
        private TaskCompletionSource<TimeSpan>? strike;
        private bool cardPending;
        private long cardWrittenAt;
        private int card;

        public BenchmarkReader(IOsdpTransport transport)
        {
            this.transport = transport;
            loop = Task.Run(() => RunAsync(stop.Token));
        }

        public int CardFrameLength { get; private set; }

        public int StrikeFrameLength { get; private set; }

        public Task WaitForPollAsync() => polled.Task.WaitAsync(TimeSpan.FromSeconds(10));

        public async Task<TimeSpan> PresentCardAndWaitForStrikeAsync()
        {
            var waiting = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (gate)
            {
                strike = waiting;
                cardPending = true;
            }

            return await waiting.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await loop.ContinueWith(_ => { }, TaskScheduler.Default);
            await transport.DisposeAsync();
            stop.Dispose();
        }

        private async Task RunAsync(CancellationToken cancellationToken)
        {
            await transport.OpenAsync(cancellationToken);
            var parser = new OsdpFrameParser(new OsdpRejectCounters());
            var buffer = new byte[256];
            while (true)
            {
                var read = await transport.ReadAsync(buffer, cancellationToken);
                parser.Feed(buffer.AsSpan(0, read));
                while (parser.TryTake(out var frame))
                {
                    if (frame.IsReply || !OsdpCommand.TryDecode(frame.Code, frame.Data.Span, out var command))
                    {
                        continue;
                    }

                    var reply = Answer(command, frame.Bytes.Length);
                    var bytes = OsdpFrameEncoder.Encode(new OsdpFrameHeader(frame.Address, true, frame.Sequence, frame.UsesCrc), reply.Code, reply.EncodeData());
                    await transport.WriteAsync(bytes, cancellationToken);
                    if (reply is RawCardReply)
                    {
                        CardFrameLength = bytes.Length;
                        cardWrittenAt = Stopwatch.GetTimestamp();
                    }
                }
            }
        }

        private OsdpReply Answer(OsdpCommand command, int frameLength)
        {
            switch (command)
            {
                case IdCommand:
                    return new PdIdReply(0x0C0B0A, 1, 1, 1, 1, 0, 0);
                case CapabilitiesCommand:
                    return new PdCapabilitiesReply([new PdCapability(CapabilityFunction.OutputControl, 1, 1), new PdCapability(CapabilityFunction.CheckCharacterSupport, 1, 0)]);
                case LocalStatusCommand:
                    return new LocalStatusReply(false, false);
                case InputStatusCommand:
                    return new InputStatusReply([false]);
                case OutputStatusCommand:
                    return new OutputStatusReply([false]);
                case OutputCommand:
                    StrikeFrameLength = frameLength;
                    lock (gate)
                    {
                        strike?.TrySetResult(Stopwatch.GetElapsedTime(cardWrittenAt));
                        strike = null;
                    }

                    return new AckReply();
                case PollCommand:
                    polled.TrySetResult();
                    lock (gate)
                    {
                        if (!cardPending)
                        {
                            return new AckReply();
                        }

                        cardPending = false;
                    }

                    card = (card + 1) % 0xFFFF;
                    return new RawCardReply(0, 1, 26, CardDecoder.EncodeH10301(1, card));
                default:
                    return new AckReply();
            }
        }
    }
}
