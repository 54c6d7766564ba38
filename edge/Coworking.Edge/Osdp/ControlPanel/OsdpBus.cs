using System.Threading.Channels;
using Coworking.Edge.Osdp.Capture;
using Coworking.Edge.Osdp.Commands;
using Coworking.Edge.Osdp.Framing;
using Coworking.Edge.Osdp.Replies;
using Coworking.Edge.Osdp.SecureChannel;
using Coworking.Edge.Osdp.Transport;

namespace Coworking.Edge.Osdp.ControlPanel;

/// <summary>
/// The OSDP control panel for one RS-485 bus. One loop owns the port: it picks the next command (handshake
/// steps and queued LED/buzzer/output commands before polls, readers served in turn), sends it, and waits
/// for the answer until the reply deadline, so exactly one command is ever outstanding on the bus. A reader
/// that misses replies is retried, then reported offline and probed until it answers again. Events come out
/// of <see cref="Events"/>; commands go in through the *Async methods and complete when the reader answers.
/// </summary>
public sealed class OsdpBus
{
    private const int ReplyAllowanceBytes = 64;
    private const int MaxBusyRepeats = 20;
    private const byte MarkCharacter = 0xFF;
    private static readonly TimeSpan BusyRetryDelay = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(1);
    private readonly OsdpBusOptions options;
    private readonly IOsdpTransport transport;
    private readonly TimeProvider time;
    private readonly ILogger<OsdpBus> logger;
    private readonly OsdpBusCounters counters = new();
    private readonly Channel<PdEvent> events = Channel.CreateUnbounded<PdEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly PdSession[] sessions;
    private readonly byte[] readBuffer = new byte[512];
    private readonly Lock wakeGate = new();
    private OsdpFrameParser parser;
    private OsdpPcapWriter? capture;
    private volatile OsdpPcapWriter[] taps = [];
    private PlannedExchange? inFlight;
    private TaskCompletionSource wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int nextSession;
    private (byte Address, byte Sequence)? lastExchange;
    private volatile bool portOpen;
    private volatile string? portError;

    public OsdpBus(OsdpBusOptions options, IOsdpTransport transport, TimeProvider time, ILogger<OsdpBus> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        this.options = options;
        this.transport = transport;
        this.time = time;
        this.logger = logger;
        var keyStore = new OsdpKeyStore(options.KeyStorePath);
        sessions = [.. options.Readers.Select(r => new PdSession(r, options, counters, keyStore, events.Writer, logger))];
        parser = NewParser();
    }

    /// <summary>A bus on the serial port named in the options.</summary>
    public OsdpBus(OsdpBusOptions options, TimeProvider time, ILogger<OsdpBus> logger)
        : this(options, new SerialPortTransport(options?.PortName ?? throw new ArgumentNullException(nameof(options)), options.BaudRate), time, logger)
    {
    }

    /// <summary>Card reads, keypad entries, input changes and online/offline changes, in the order they happened.</summary>
    public ChannelReader<PdEvent> Events => events.Reader;

    /// <summary>Runs the bus until cancelled: opens the port (again after errors), polls and serves commands.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        capture = StartCapture();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await transport.OpenAsync(cancellationToken);
                    portOpen = true;
                    portError = null;
                    parser = NewParser();
                    logger.LogInformation("OSDP bus {Port} open at {Baud} baud with {Readers} readers", transport.Name, options.BaudRate, sessions.Length);
                    await ServeAsync(cancellationToken);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or TimeoutException or ArgumentException && !cancellationToken.IsCancellationRequested)
                {
                    OnPortError(e);
                    await Task.Delay(options.ReopenDelay, time, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("OSDP bus {Port} stopped", transport.Name);
        }
        finally
        {
            portOpen = false;
            await transport.DisposeAsync();
            capture?.Dispose();
            foreach (var tap in taps)
            {
                tap.Dispose();
            }

            events.Writer.TryComplete();
        }
    }

    /// <summary>Sets the reader LED to a steady colour; with <paramref name="temporary"/>, only for that long.</summary>
    public Task<OsdpCommandResult> SetLedAsync(byte address, LedColor color, TimeSpan? temporary, CancellationToken cancellationToken)
    {
        var led = temporary is { } duration
            ? LedControl.TemporaryColor(color, ToTicks(duration, ushort.MaxValue))
            : LedControl.SteadyColor(color);
        return EnqueueAsync(address, new LedCommand([led]), cancellationToken);
    }

    /// <summary>Beeps <paramref name="count"/> times (1-255), each <paramref name="on"/> long with an equal pause.</summary>
    public Task<OsdpCommandResult> BuzzAsync(byte address, TimeSpan on, int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, byte.MaxValue);
        var ticks = (byte)ToTicks(on, byte.MaxValue);
        return EnqueueAsync(address, new BuzzerCommand(0, BuzzerTone.Default, ticks, ticks, (byte)count), cancellationToken);
    }

    /// <summary>Turns output <paramref name="output"/> on for <paramref name="duration"/> (100 ms resolution), then off: a strike pulse.</summary>
    public Task<OsdpCommandResult> PulseOutputAsync(byte address, int output, TimeSpan duration, CancellationToken cancellationToken)
    {
        var control = new OutputControl(ToOutput(output), OutputControlCode.TemporaryOnThenOff, ToTicks(duration, ushort.MaxValue));
        return EnqueueAsync(address, new OutputCommand([control]), cancellationToken);
    }

    /// <summary>Turns output <paramref name="output"/> on or off until told otherwise, cancelling any pulse in progress.</summary>
    public Task<OsdpCommandResult> SetOutputAsync(byte address, int output, bool on, CancellationToken cancellationToken)
    {
        var code = on ? OutputControlCode.PermanentOnAbortTimed : OutputControlCode.PermanentOffAbortTimed;
        return EnqueueAsync(address, new OutputCommand([new OutputControl(ToOutput(output), code, 0)]), cancellationToken);
    }

    /// <summary>
    /// osdp_COMSET: moves a reader to another address (and baud rate). The bus follows an address change until
    /// the edge restarts; the configuration must be updated to keep it. A new baud rate takes the reader off
    /// this bus until the bus runs at that rate.
    /// </summary>
    public Task<OsdpCommandResult> SetCommunicationAsync(byte address, byte newAddress, int newBaudRate, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(newAddress, (byte)0x7E);
        if (newAddress != address && sessions.Any(s => s.Address == newAddress))
        {
            throw new ArgumentException($"Address {newAddress} is already used on bus {options.PortName}.", nameof(newAddress));
        }

        return EnqueueAsync(address, new ComSetCommand(newAddress, newBaudRate), cancellationToken);
    }

    /// <summary>osdp_KEYSET with a fresh key inside the reader's secure channel, for a reader the edge installed (no Scbk configured).</summary>
    public Task<OsdpCommandResult> RotateKeyAsync(byte address, CancellationToken cancellationToken)
    {
        var result = Session(address).RotateKey(cancellationToken);
        Volatile.Read(ref wake).TrySetResult();
        return result;
    }

    /// <summary>Forgets the key the edge gave the reader: it comes online again only once reset to install mode.</summary>
    public void ReturnToInstallMode(byte address)
    {
        Session(address).ReturnToInstallMode();
        Volatile.Read(ref wake).TrySetResult();
    }

    /// <summary>The serial port this bus runs on, as configured.</summary>
    public string PortName => options.PortName;

    /// <summary>
    /// Starts writing this bus's traffic to a new pcap file in <paramref name="directory"/> for
    /// <paramref name="duration"/> (an installer's capture, beside any configured one); the file is complete when
    /// <see cref="BusCapture.Completed"/> is.
    /// </summary>
    public BusCapture StartCapture(string directory, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var writer = OsdpPcapWriter.Create(directory, options.PortName, time, options.CaptureMaxBytes, why =>
            logger.LogWarning("OSDP capture of bus {Port} stopped: {Why}", options.PortName, why));
        lock (wakeGate)
        {
            taps = [.. taps, writer];
        }

        var endsAt = time.GetUtcNow() + duration;
        logger.LogInformation("OSDP bus {Port} traffic is captured in {Path} until {EndsAt}", options.PortName, writer.Path, endsAt);
        return new BusCapture(writer.Path!, endsAt, FinishCaptureAsync(writer, duration));
    }

    public OsdpBusStatus GetStatus() => new(
        options.PortName,
        options.BaudRate,
        portOpen,
        portError,
        counters.Snapshot(),
        [.. sessions.Select(s => s.Status)]);

    private async Task FinishCaptureAsync(OsdpPcapWriter writer, TimeSpan duration)
    {
        await Task.Delay(duration, time).ConfigureAwait(false);
        lock (wakeGate)
        {
            taps = [.. taps.Where(t => t != writer)];
        }

        writer.Dispose();
        logger.LogInformation("OSDP capture {Path} of bus {Port} is complete", writer.Path, options.PortName);
    }

    private void Capture(ReadOnlySpan<byte> bytes)
    {
        capture?.Write(bytes);
        foreach (var tap in taps)
        {
            tap.Write(bytes);
        }
    }

    private PdSession Session(byte address) => sessions.FirstOrDefault(s => s.Address == address)
        ?? throw new ArgumentException($"No reader at address {address} on bus {options.PortName}.", nameof(address));

    private Task<OsdpCommandResult> EnqueueAsync(byte address, OsdpCommand command, CancellationToken cancellationToken)
    {
        var result = Session(address).Enqueue(command, cancellationToken);
        Volatile.Read(ref wake).TrySetResult();
        return result;
    }

    private async Task ServeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Volatile.Write(ref wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            var now = time.GetUtcNow();
            var exchange = PickNext(now);
            if (exchange is null)
            {
                await IdleAsync(now, cancellationToken);
                continue;
            }

            await ExchangeAsync(exchange, cancellationToken);
            exchange.Session.PublishStatus();
        }
    }

    private PlannedExchange? PickNext(DateTimeOffset now)
    {
        foreach (var urgentOnly in new[] { true, false })
        {
            for (var i = 0; i < sessions.Length; i++)
            {
                var index = (nextSession + i) % sessions.Length;
                var session = sessions[index];
                if (urgentOnly && !session.HasUrgentWork)
                {
                    continue;
                }

                if (session.TakeNext(now, urgentOnly) is { } exchange)
                {
                    nextSession = index + 1;
                    return exchange;
                }
            }
        }

        return null;
    }

    private async Task IdleAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var due = sessions.Length == 0 ? now + MaxIdle : sessions.Min(s => s.NextDueAt);
        var wait = due - now;
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(wait < MaxIdle ? wait : MaxIdle, time, idle.Token);
        await Task.WhenAny(delay, Volatile.Read(ref wake).Task);
        await idle.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task ExchangeAsync(PlannedExchange exchange, CancellationToken cancellationToken)
    {
        var busyReplies = 0;
        while (true)
        {
            await SendAsync(exchange, cancellationToken);
            inFlight = exchange;
            ReplyVerdict? verdict;
            try
            {
                verdict = await AwaitReplyAsync(exchange, cancellationToken);
            }
            finally
            {
                inFlight = null;
            }

            if (verdict == ReplyVerdict.Completed)
            {
                lastExchange = (exchange.Session.Address, exchange.Sequence);
                return;
            }

            if (verdict == ReplyVerdict.Busy && ++busyReplies <= MaxBusyRepeats)
            {
                Interlocked.Increment(ref counters.Busy);
                await Task.Delay(BusyRetryDelay, time, cancellationToken);
                continue;
            }

            lastExchange = (exchange.Session.Address, exchange.Sequence);
            if (!exchange.Session.OnNoReply(exchange, time.GetUtcNow()))
            {
                return;
            }

            Interlocked.Increment(ref counters.Retries);
            Interlocked.Increment(ref exchange.Session.Counters.Retries);
        }
    }

    private async Task SendAsync(PlannedExchange exchange, CancellationToken cancellationToken)
    {
        // §5.7: a mark character (0xFF) goes before each frame, so a PD whose receiver just woke up sees the SOM.
        var wire = new byte[exchange.Frame.Length + 1];
        wire[0] = MarkCharacter;
        exchange.Frame.CopyTo(wire.AsSpan(1));
        await transport.WriteAsync(wire, cancellationToken);
        Interlocked.Increment(ref counters.FramesSent);
        Interlocked.Add(ref counters.BytesSent, wire.Length);
        Interlocked.Increment(ref exchange.Session.Counters.Commands);
        Capture(exchange.Frame);
    }

    private async Task<ReplyVerdict?> AwaitReplyAsync(PlannedExchange exchange, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(ReplyDeadline(exchange.Frame.Length), time);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        while (true)
        {
            while (parser.TryTake(out var frame))
            {
                Interlocked.Increment(ref counters.FramesReceived);
                if (frame.IsReply || !frame.Bytes.Span.SequenceEqual(exchange.Frame))
                {
                    Capture(frame.Bytes.Span);
                }

                var verdict = Judge(exchange, frame);
                if (verdict != ReplyVerdict.Ignored)
                {
                    return verdict;
                }
            }

            int read;
            try
            {
                read = await transport.ReadAsync(readBuffer, wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                parser.DiscardPartial();
                return null;
            }

            if (read == 0)
            {
                throw new IOException($"{transport.Name} was closed.");
            }

            Interlocked.Add(ref counters.BytesReceived, read);
            parser.Feed(readBuffer.AsSpan(0, read));
        }
    }

    private ReplyVerdict Judge(PlannedExchange exchange, OsdpFrame frame)
    {
        if (!frame.IsReply)
        {
            // Half-duplex adapters may hear their own transmission: that echo is not an error.
            return frame.Bytes.Span.SequenceEqual(exchange.Frame) ? ReplyVerdict.Ignored : Reject(OsdpRejectReason.NotAReply);
        }

        var busy = frame.Code == ReplyCode.Busy && frame.Sequence == 0;
        if (frame.Address == exchange.Session.Address && (frame.Sequence == exchange.Sequence || busy))
        {
            return exchange.Session.Accept(exchange, frame, time.GetUtcNow());
        }

        if (lastExchange == (frame.Address, frame.Sequence))
        {
            return Reject(OsdpRejectReason.LateReply);
        }

        if (frame.Address == exchange.Session.Address)
        {
            exchange.Session.OnRejectedReply(OsdpRejectReason.BadSequence, $"sequence number {frame.Sequence} where {exchange.Sequence} was expected", frame.Bytes.Span, time.GetUtcNow());
            return Reject(OsdpRejectReason.BadSequence);
        }

        return Reject(OsdpRejectReason.UnexpectedAddress);
    }

    /// <summary>
    /// Bytes the parser refused: into the capture as they came, and — when they are a reply from the reader being
    /// asked — counted against that reader, so its miss is reported as a rejected reply rather than silence.
    /// </summary>
    private void OnParserReject(OsdpRejectReason reason, ReadOnlySpan<byte> bytes)
    {
        Capture(bytes);
        if (inFlight is { } exchange && bytes.Length >= 2 && bytes[0] == OsdpFrameEncoder.StartOfMessage
            && bytes[1] == (exchange.Session.Address | OsdpFrameEncoder.ReplyBit))
        {
            exchange.Session.OnRejectedReply(reason, ParserRejectDetail(reason), bytes, time.GetUtcNow());
        }
    }

    private static string ParserRejectDetail(OsdpRejectReason reason) => reason switch
    {
        OsdpRejectReason.BadCrc => "the CRC-16 did not match (noise, missing termination, wrong baud, or two readers at one address)",
        OsdpRejectReason.BadChecksum => "the checksum did not match (noise, missing termination, wrong baud, or two readers at one address)",
        OsdpRejectReason.BadSecurityBlock => "a malformed security block (its length does not fit the frame)",
        OsdpRejectReason.BadLength or OsdpRejectReason.Oversize => "an impossible length field",
        OsdpRejectReason.Truncated => "the frame was still incomplete at the reply deadline",
        _ => reason.ToString(),
    };

    private ReplyVerdict Reject(OsdpRejectReason reason)
    {
        counters.Rejects.Count(reason);
        logger.LogDebug("OSDP frame on {Port} rejected: {Reason}", transport.Name, reason);
        return ReplyVerdict.Ignored;
    }

    /// <summary>The reply deadline plus the time our frame and a typical reply take on the line at the bus's baud rate.</summary>
    private TimeSpan ReplyDeadline(int frameLength) =>
        options.ReplyTimeout + TimeSpan.FromSeconds((frameLength + ReplyAllowanceBytes) * 10.0 / options.BaudRate);

    private void OnPortError(Exception error)
    {
        Interlocked.Increment(ref counters.PortErrors);
        portOpen = false;
        var repeated = portError == error.Message;
        portError = error.Message;
        if (repeated)
        {
            logger.LogDebug("OSDP bus {Port} still failing: {Error}", transport.Name, error.Message);
        }
        else
        {
            logger.LogError(error, "OSDP bus {Port} failed; reopening every {Delay}", transport.Name, options.ReopenDelay);
        }

        var now = time.GetUtcNow();
        foreach (var session in sessions)
        {
            session.OnPortLost(now);
            session.PublishStatus();
        }
    }

    private OsdpPcapWriter? StartCapture()
    {
        if (options.CaptureDirectory is null)
        {
            return null;
        }

        try
        {
            var writer = OsdpPcapWriter.Create(options.CaptureDirectory, options.PortName, time, options.CaptureMaxBytes, why =>
                logger.LogWarning("OSDP capture of bus {Port} stopped: {Why}", options.PortName, why));
            logger.LogInformation("OSDP bus {Port} traffic is captured in {Directory}", options.PortName, options.CaptureDirectory);
            return writer;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogError(e, "OSDP capture of bus {Port} could not start in {Directory}; the bus runs without it", options.PortName, options.CaptureDirectory);
            return null;
        }
    }

    private OsdpFrameParser NewParser() => new(
        counters.Rejects,
        options.MaxFrameLength,
        OnParserReject);

    private static ushort ToTicks(TimeSpan duration, int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        return (ushort)Math.Clamp(Math.Ceiling(duration.TotalMilliseconds / 100), 1, max);
    }

    private static byte ToOutput(int output)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(output);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(output, byte.MaxValue);
        return (byte)output;
    }
}
