using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;
using Coworking.Edge.Osdp.Cards;
using Coworking.Edge.Osdp.Commands;
using Coworking.Edge.Osdp.Framing;
using Coworking.Edge.Osdp.Replies;
using Coworking.Edge.Osdp.SecureChannel;

namespace Coworking.Edge.Osdp.ControlPanel;

/// <summary>Where a PD is in its life on the bus.</summary>
internal enum PdPhase
{
    /// <summary>Not (or no longer) answering: probed with osdp_ID and sequence number 0 every reprobe interval.</summary>
    Offline,

    /// <summary>Answered osdp_ID; asking for its capabilities.</summary>
    Capabilities,

    /// <summary>Secure channel: osdp_CHLNG sent next.</summary>
    Challenge,

    /// <summary>Secure channel: client cryptogram accepted, osdp_SCRYPT sent next.</summary>
    ServerCryptogram,

    /// <summary>Install mode: connected with SCBK-D, osdp_KEYSET with the reader's own key sent next.</summary>
    KeySet,

    /// <summary>Online: queued commands first, otherwise polled.</summary>
    Ready,
}

/// <summary>How a received frame relates to the command in flight.</summary>
internal enum ReplyVerdict
{
    /// <summary>It answers the command; the exchange is over.</summary>
    Completed,

    /// <summary>osdp_BUSY: send the same command again shortly.</summary>
    Busy,

    /// <summary>Not an answer (counted under a reject reason, or our own echo); keep listening.</summary>
    Ignored,
}

/// <summary>A command on its way: the frame as sent (resent unchanged on retry) and who waits for the outcome.</summary>
internal sealed record PlannedExchange(PdSession Session, OsdpCommand Command, byte Sequence, byte[] Frame, SecureSession? SealedWith, QueuedCommand? Caller);

/// <summary>A command an application queued for a reader, and the task that tells it the outcome.</summary>
internal sealed class QueuedCommand
{
    private readonly TaskCompletionSource<OsdpCommandResult> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenRegistration registration;

    public QueuedCommand(OsdpCommand command, int epoch, CancellationToken cancellationToken)
    {
        Command = command;
        Epoch = epoch;
        registration = cancellationToken.Register(() => completion.TrySetCanceled(cancellationToken));
    }

    public OsdpCommand Command { get; }

    /// <summary>The reader's online epoch when queued: a command never outlives the reader going offline.</summary>
    public int Epoch { get; }

    public Task<OsdpCommandResult> Task => completion.Task;

    public bool IsDone => completion.Task.IsCompleted;

    public void Complete(OsdpCommandResult result)
    {
        registration.Unregister();
        completion.TrySetResult(result);
    }
}

/// <summary>
/// One PD on the bus, driven only by the bus loop: its phase, sequence numbers, secure channel, queued
/// commands, keypad buffer and what it last reported. It plans the next command and judges replies; the bus
/// does the I/O. Application threads only queue commands and read the published status.
/// </summary>
internal sealed class PdSession
{
    // The key a rotation replaces is kept until the reader proves it holds the new one.
    private const string PreviousKeySuffix = "#previous";
    private readonly OsdpReaderOptions reader;
    private readonly OsdpBusOptions bus;
    private readonly OsdpBusCounters busCounters;
    private readonly OsdpKeyStore keyStore;
    private readonly string keyStoreId;
    private readonly ChannelWriter<PdEvent> events;
    private readonly ILogger logger;
    private readonly KeypadBuffer keypad;
    private readonly ConcurrentQueue<QueuedCommand> commands = new();
    private readonly Queue<OsdpCommand> housekeeping = new();
    private readonly byte[]? configuredKey;
    private readonly List<(byte[] Key, bool IsDefault)> keyAttempts = [];
    private PdPhase phase = PdPhase.Offline;
    private byte nextSequence;
    private bool useCrc = true;
    private volatile bool online;
    private volatile int epoch;
    private volatile PdStatus status;
    private int consecutiveMisses;
    private DateTimeOffset nextProbeAt = DateTimeOffset.MinValue;
    private DateTimeOffset nextPollAt;
    private int keyAttempt;
    private SecureChannelHandshake? handshake;
    private SecureSession? secure;
    private byte[]? pendingKey;
    private byte[]? rotatingFrom;
    private volatile bool installModeRequested;
    private PdIdReply? identity;
    private bool? tamper;
    private bool? powerFailure;
    private bool[] inputs = [];
    private bool[] outputs = [];
    private DateTimeOffset? lastReplyAt;
    private string? lastError;
    private string? lastErrorKind;
    private (OsdpRejectReason Reason, string Detail)? rejectedInFlight;
    private int consecutiveRejected;
    private (OsdpRejectReason Reason, string Detail)? lastRejection;

    public PdSession(OsdpReaderOptions reader, OsdpBusOptions bus, OsdpBusCounters busCounters, OsdpKeyStore keyStore, ChannelWriter<PdEvent> events, ILogger logger)
    {
        this.reader = reader;
        this.bus = bus;
        this.busCounters = busCounters;
        this.keyStore = keyStore;
        this.events = events;
        this.logger = logger;
        Address = reader.Address;
        keyStoreId = $"{bus.PortName}#{reader.Address}";
        keypad = new KeypadBuffer(bus.KeypadInterDigitTimeout);
        configuredKey = OsdpCrypto.TryParseKey(reader.Scbk, out var key) ? key : null;
        status = BuildStatus();
    }

    /// <summary>Current address; osdp_COMSET can move a reader until the edge restarts with its configuration.</summary>
    public byte Address { get; private set; }

    public string DoorId => reader.DoorId;

    public bool Online => online;

    public PdCounters Counters { get; } = new();

    /// <summary>The last replies from this reader that were not acted on, for the installer to send to the vendor.</summary>
    public RejectedFrameLog RejectedFrames { get; } = new();

    /// <summary>The state as of the last finished exchange, with live counters.</summary>
    public PdStatus Status => status with { Counters = Counters.Snapshot() };

    private bool InstallMode => reader.SecureChannel && configuredKey is null;

    public Task<OsdpCommandResult> Enqueue(OsdpCommand command, CancellationToken cancellationToken)
    {
        if (!online)
        {
            return Task.FromResult(OsdpCommandResult.Offline);
        }

        var queued = new QueuedCommand(command, epoch, cancellationToken);
        commands.Enqueue(queued);
        return queued.Task;
    }

    /// <summary>True when the PD has something to send that should not wait for its poll turn.</summary>
    public bool HasUrgentWork => installModeRequested || phase switch
    {
        PdPhase.Capabilities or PdPhase.Challenge or PdPhase.ServerCryptogram or PdPhase.KeySet => true,
        PdPhase.Ready => housekeeping.Count > 0 || !commands.IsEmpty,
        _ => false,
    };

    /// <summary>When this PD next wants the bus if nothing urgent comes up.</summary>
    public DateTimeOffset NextDueAt => phase switch
    {
        PdPhase.Offline => nextProbeAt,
        PdPhase.Ready => nextPollAt,
        _ => DateTimeOffset.MinValue,
    };

    /// <summary>
    /// Gives a reader the edge installed (no <c>Scbk</c> configured) a fresh key with osdp_KEYSET inside its current
    /// secure channel (OSDP Verified 060-16-04). The new key is saved first and the old one kept until the reader has
    /// opened a session with the new one; the current session goes on until the reader acknowledges, then the edge
    /// reconnects with the new key.
    /// </summary>
    public Task<OsdpCommandResult> RotateKey(CancellationToken cancellationToken)
    {
        if (!InstallMode)
        {
            throw new InvalidOperationException($"Reader {Address} has its key in the configuration (Scbk); change it there, not on the bus.");
        }

        return Enqueue(new KeySetCommand(KeySetCommand.SecureChannelBaseKey, RandomNumberGenerator.GetBytes(OsdpCrypto.KeyLength)), cancellationToken);
    }

    /// <summary>
    /// Forgets the key the edge gave this reader and reconnects from osdp_ID, so only SCBK-D is tried: the reader must be
    /// back in install mode to come online again (OSDP Verified 060-16-03).
    /// </summary>
    public void ReturnToInstallMode()
    {
        if (!InstallMode)
        {
            throw new InvalidOperationException($"Reader {Address} has its key in the configuration (Scbk); remove it there to use install mode.");
        }

        keyStore.Remove(keyStoreId);
        keyStore.Remove(keyStoreId + PreviousKeySuffix);
        installModeRequested = true;
    }

    /// <summary>Plans the next command: handshake steps and queued commands, and with <paramref name="urgentOnly"/> off also a due poll or probe.</summary>
    public PlannedExchange? TakeNext(DateTimeOffset now, bool urgentOnly)
    {
        if (installModeRequested)
        {
            installModeRequested = false;
            logger.LogInformation("OSDP reader {Address} (door {DoorId}) key forgotten; reconnecting with the install-mode key only", Address, DoorId);
            RestartContact(now);
        }

        switch (phase)
        {
            case PdPhase.Offline:
                if (urgentOnly || now < nextProbeAt)
                {
                    return null;
                }

                nextSequence = 0;
                nextProbeAt = now + bus.ReprobeInterval;
                return Plan(new IdCommand());
            case PdPhase.Capabilities:
                return Plan(new CapabilitiesCommand());
            case PdPhase.Challenge:
                var (key, isDefault) = keyAttempts[keyAttempt];
                handshake = new SecureChannelHandshake(key, isDefault);
                return Plan(handshake.Challenge(), handshake.ChallengeBlock());
            case PdPhase.ServerCryptogram:
                return Plan(handshake!.ServerCryptogram(), handshake.ServerCryptogramBlock());
            case PdPhase.KeySet:
                return Plan(new KeySetCommand(KeySetCommand.SecureChannelBaseKey, pendingKey!));
            default:
                if (housekeeping.TryDequeue(out var internalCommand))
                {
                    return Plan(internalCommand);
                }

                while (commands.TryDequeue(out var queued))
                {
                    if (queued.IsDone)
                    {
                        continue;
                    }

                    if (queued.Epoch != epoch)
                    {
                        queued.Complete(OsdpCommandResult.Offline);
                        continue;
                    }

                    if (queued.Command is KeySetCommand rotation)
                    {
                        BeginRotation(rotation);
                    }

                    return Plan(queued.Command, caller: queued);
                }

                if (urgentOnly || now < nextPollAt)
                {
                    return null;
                }

                nextPollAt = now + bus.PollInterval;
                return Plan(new PollCommand());
        }
    }

    /// <summary>Judges a reply frame already known to come from this PD with the right sequence number.</summary>
    public ReplyVerdict Accept(PlannedExchange exchange, OsdpFrame frame, DateTimeOffset now)
    {
        var data = frame.Data;
        if (exchange.SealedWith is { } session)
        {
            if (frame.SecurityBlock is null)
            {
                // A PD that lost its session answers in clear; a NAK or BUSY then only restarts or delays.
                // After osdp_KEYSET a PD may already have dropped the old session keys.
                var clearAllowed = frame.Code is ReplyCode.Nak or ReplyCode.Busy
                    || (exchange.Command is KeySetCommand && frame.Code == ReplyCode.Ack);
                if (!clearAllowed)
                {
                    return Reject(OsdpRejectReason.BadSecurityBlock, frame, $"{OsdpNames.Reply(frame.Code)} came in clear inside the secure channel", now);
                }
            }
            else if (session.TryOpenReply(frame, out data) is { } refused)
            {
                return Reject(refused, frame, refused == OsdpRejectReason.BadSecurityBlock
                    ? $"security block type 0x{frame.SecurityBlock.Type:X2} where 0x{SecurityBlockType.Scs16:X2} or 0x{SecurityBlockType.Scs18:X2} (reply inside the secure channel) was expected"
                    : "the reply's MAC or encrypted data did not verify: the reader's session key differs (wrong key, reader reset) or the frame was altered", now);
            }
        }
        else if (frame.SecurityBlock is { } block)
        {
            var expected = exchange.Command switch
            {
                ChallengeCommand => SecurityBlockType.Scs12,
                ServerCryptogramCommand => SecurityBlockType.Scs14,
                _ => (byte)0,
            };
            if (block.Type != expected)
            {
                return Reject(OsdpRejectReason.BadSecurityBlock, frame, expected == 0
                    ? $"security block type 0x{block.Type:X2} on a reply outside the secure channel"
                    : $"security block type 0x{block.Type:X2} where 0x{expected:X2} was expected", now);
            }
        }

        if (!OsdpReply.TryDecode(frame.Code, data.Span, out var reply))
        {
            return Reject(OsdpRejectReason.MalformedReply, frame, $"{OsdpNames.Reply(frame.Code)} with {data.Length} data bytes does not fit its code", now);
        }

        if (reply is BusyReply)
        {
            return ReplyVerdict.Busy;
        }

        if (!Answers(exchange.Command, reply))
        {
            return Reject(OsdpRejectReason.UnexpectedReply, frame, $"{OsdpNames.Reply(frame.Code)} does not answer {OsdpNames.Command(exchange.Command.Code)}", now);
        }

        consecutiveMisses = 0;
        consecutiveRejected = 0;
        rejectedInFlight = null;
        lastReplyAt = now;
        nextSequence = exchange.Sequence == 3 ? (byte)1 : (byte)(exchange.Sequence + 1);
        Interlocked.Increment(ref Counters.Replies);
        if (reply is NakReply nak)
        {
            OnNak(exchange, nak, now);
        }
        else
        {
            OnReply(exchange, reply, now);
        }

        return ReplyVerdict.Completed;
    }

    /// <summary>
    /// A reply from this reader to the command in flight arrived and was not acted on (bad check character, wrong
    /// security block, MAC, sequence…): counted and kept with its bytes, and if no good reply follows by the
    /// deadline the miss is reported as this rejection, not as silence.
    /// </summary>
    public void OnRejectedReply(OsdpRejectReason reason, string detail, ReadOnlySpan<byte> bytes, DateTimeOffset now)
    {
        rejectedInFlight = (reason, detail);
        switch (reason)
        {
            case OsdpRejectReason.BadCrc or OsdpRejectReason.BadChecksum:
                Interlocked.Increment(ref Counters.BadChecks);
                break;
            case OsdpRejectReason.BadSecurityBlock:
                Interlocked.Increment(ref Counters.BadSecurityBlocks);
                break;
            case OsdpRejectReason.BadMac:
                Interlocked.Increment(ref Counters.BadMacs);
                break;
            default:
                Interlocked.Increment(ref Counters.BadReplies);
                break;
        }

        RejectedFrames.Add(now, reason, detail, bytes);
    }

    /// <summary>The deadline passed without a usable answer; true = send the same frame again.</summary>
    public bool OnNoReply(PlannedExchange exchange, DateTimeOffset now)
    {
        consecutiveMisses++;
        var rejected = rejectedInFlight;
        rejectedInFlight = null;
        if (rejected is { } rejection)
        {
            consecutiveRejected++;
            lastRejection = rejection;
            Interlocked.Increment(ref Counters.RejectedReplies);
        }
        else
        {
            Interlocked.Increment(ref Counters.Timeouts);
            Interlocked.Increment(ref busCounters.Timeouts);
        }

        if (phase == PdPhase.Offline && !online)
        {
            // A probe of a reader that cannot be brought online: its replies may be arriving and be refused.
            if (rejected is { } probeRejection)
            {
                SetError(RejectedText(1, 1, probeRejection.Detail), PdErrorKind.For(probeRejection.Reason));
            }
            else if (lastErrorKind != PdErrorKind.NoReply)
            {
                // A reader never seen (unplugged, wrong address or baud) says so, not nothing.
                SetError($"no reply to {OsdpNames.Command(exchange.Command.Code)}", PdErrorKind.NoReply);
            }

            consecutiveMisses = 0;
            consecutiveRejected = 0;
            return false;
        }

        if (consecutiveMisses < bus.OfflineAfterMisses)
        {
            return true;
        }

        exchange.Caller?.Complete(OsdpCommandResult.Offline);
        if (consecutiveRejected > 0 && lastRejection is { } last)
        {
            GoOffline(now, RejectedText(consecutiveMisses, consecutiveRejected, last.Detail), PdErrorKind.For(last.Reason));
        }
        else
        {
            GoOffline(now, $"no reply to {bus.OfflineAfterMisses} commands in a row", PdErrorKind.NoReply);
        }

        return false;
    }

    /// <summary>The serial port failed: every reader on it is unreachable until it reopens.</summary>
    public void OnPortLost(DateTimeOffset now)
    {
        GoOffline(now, "serial port error", PdErrorKind.PortError);
        nextProbeAt = DateTimeOffset.MinValue;
    }

    public void PublishStatus() => status = BuildStatus();

    /// <summary>
    /// Answers the command's caller once its outcome is in the published status: the caller runs on another thread at
    /// once, and whoever reads the status after awaiting a NAK'd command must find the NAK in it (a bus test read the
    /// status of the cycle before).
    /// </summary>
    private void Answer(PlannedExchange exchange, OsdpCommandResult result)
    {
        PublishStatus();
        exchange.Caller?.Complete(result);
    }

    private PlannedExchange Plan(OsdpCommand command, SecurityBlock? handshakeBlock = null, QueuedCommand? caller = null)
    {
        var header = new OsdpFrameHeader(Address, false, nextSequence, useCrc);
        var data = command.EncodeData();
        var sealedWith = handshakeBlock is null ? secure : null;
        rejectedInFlight = null;
        var frame = sealedWith is not null
            ? sealedWith.SealCommand(header, command.Code, data)
            : OsdpFrameEncoder.Encode(header, command.Code, data, handshakeBlock);
        return new PlannedExchange(this, command, nextSequence, frame, sealedWith, caller);
    }

    private static bool Answers(OsdpCommand command, OsdpReply reply) => reply is NakReply || (command, reply) switch
    {
        (PollCommand, AckReply or RawCardReply or FormattedCardReply or KeypadReply or LocalStatusReply or InputStatusReply or OutputStatusReply) => true,
        (IdCommand, PdIdReply) => true,
        (CapabilitiesCommand, PdCapabilitiesReply) => true,
        (LocalStatusCommand, LocalStatusReply) => true,
        (InputStatusCommand, InputStatusReply) => true,
        (OutputStatusCommand, OutputStatusReply) => true,
        (OutputCommand, AckReply or OutputStatusReply) => true,
        (LedCommand or BuzzerCommand or KeySetCommand, AckReply) => true,
        (ComSetCommand, ComReply) => true,
        (ChallengeCommand, ClientCryptogramReply) => true,
        (ServerCryptogramCommand, InitialRmacReply) => true,
        _ => false,
    };

    private void OnReply(PlannedExchange exchange, OsdpReply reply, DateTimeOffset now)
    {
        switch (reply)
        {
            case PdIdReply id:
                identity = id;
                phase = PdPhase.Capabilities;
                break;
            case PdCapabilitiesReply capabilities:
                OnCapabilities(capabilities, now);
                break;
            case ClientCryptogramReply clientCryptogram:
                if (handshake!.TryAcceptClientCryptogram(clientCryptogram))
                {
                    phase = PdPhase.ServerCryptogram;
                }
                else
                {
                    Interlocked.Increment(ref Counters.WrongKey);
                    HandshakeFailed(now, "the reader's cryptogram does not match the key", PdErrorKind.WrongKey);
                }

                break;
            case InitialRmacReply rmac:
                OnInitialRmac(rmac, now);
                break;
            case AckReply when exchange.Command is KeySetCommand:
                logger.LogInformation("OSDP reader {Address} (door {DoorId}) now holds its own secure channel key; reconnecting with it", Address, DoorId);
                StartSecureChannel([(pendingKey!, false)]);
                pendingKey = null;
                rotatingFrom = null;
                break;
            case RawCardReply raw:
                OnCard(CardDecoder.TryDecode(raw, out var card, out var reason), card, reason, raw.BitCount, now);
                break;
            case FormattedCardReply formatted:
                OnCard(CardDecoder.TryDecode(formatted, out var formattedCard, out var formattedReason), formattedCard, formattedReason, 0, now);
                break;
            case KeypadReply keys:
                foreach (var digits in keypad.Add(keys.Keys.Span, now))
                {
                    Interlocked.Increment(ref Counters.KeypadEntries);
                    logger.LogDebug("OSDP keypad entry at reader {Address} (door {DoorId})", Address, DoorId);
                    Emit(new KeypadEntered(Address, DoorId, now, digits));
                }

                break;
            case LocalStatusReply local:
                tamper = local.Tamper;
                powerFailure = local.PowerFailure;
                break;
            case InputStatusReply input:
                OnInputs(input.Inputs, now);
                break;
            case OutputStatusReply output:
                outputs = [.. output.Outputs];
                break;
            case ComReply com:
                OnCommunicationChanged(com, now);
                break;
            default:
                break;
        }

        Answer(exchange, OsdpCommandResult.Acknowledged);
    }

    private void OnCapabilities(PdCapabilitiesReply capabilities, DateTimeOffset now)
    {
        useCrc = capabilities.SupportsCrc;
        if (!reader.SecureChannel)
        {
            GoReady(now);
            return;
        }

        if (!useCrc)
        {
            // Annex D: the secure channel runs over CRC-16 frames only (OSDP Verified 050-09-15).
            Interlocked.Increment(ref Counters.SecureChannelFailures);
            GoOffline(now, "the reader offers only the checksum; the secure channel needs CRC-16 (set the reader to CRC mode)", PdErrorKind.NoSecureChannel);
            return;
        }

        if (!capabilities.SupportsSecureChannel)
        {
            Interlocked.Increment(ref Counters.SecureChannelFailures);
            GoOffline(now, "the reader does not offer the secure channel it is configured for", PdErrorKind.NoSecureChannel);
            return;
        }

        List<(byte[] Key, bool IsDefault)> attempts = [];
        if (configuredKey is not null)
        {
            attempts.Add((configuredKey, false));
        }
        else
        {
            if (keyStore.Find(keyStoreId) is { } stored)
            {
                attempts.Add((stored, false));
            }

            if (keyStore.Find(keyStoreId + PreviousKeySuffix) is { } previous)
            {
                attempts.Add((previous, false));
            }

            attempts.Add((OsdpCrypto.DefaultScbk.ToArray(), true));
        }

        StartSecureChannel(attempts);
    }

    private void OnInitialRmac(InitialRmacReply rmac, DateTimeOffset now)
    {
        if (!handshake!.TryComplete(rmac, out var session))
        {
            Interlocked.Increment(ref Counters.WrongKey);
            HandshakeFailed(now, "the reader's initial R-MAC does not match", PdErrorKind.WrongKey);
            return;
        }

        secure = session;
        if (!handshake.IsDefaultKey)
        {
            if (InstallMode)
            {
                KeepOnlyKey(keyAttempts[keyAttempt].Key);
            }

            GoReady(now);
            return;
        }

        // Install mode: save the key before the reader gets it, so the edge can never lose a key a reader holds.
        pendingKey = keyStore.Find(keyStoreId) ?? RandomNumberGenerator.GetBytes(OsdpCrypto.KeyLength);
        keyStore.Save(keyStoreId, pendingKey);
        phase = PdPhase.KeySet;
    }

    private void OnNak(PlannedExchange exchange, NakReply nak, DateTimeOffset now)
    {
        Interlocked.Increment(ref Counters.Naks);
        Interlocked.Increment(ref busCounters.Naks);
        Counters.CountNak(nak.Error);
        logger.LogWarning("OSDP reader {Address} (door {DoorId}) refused command 0x{Command:X2}: {Error}", Address, DoorId, exchange.Command.Code, nak.Error);
        SetError($"the reader answered {OsdpNames.Command(exchange.Command.Code)} with {OsdpNames.Nak(nak.Error)}", PdErrorKind.Nak);
        try
        {
            SettleAfterNak(exchange, nak, now);
        }
        finally
        {
            // The caller hears of the refusal only once the session (and a refused rotation's key store) is settled.
            Answer(exchange, OsdpCommandResult.Rejected);
        }
    }

    private void SettleAfterNak(PlannedExchange exchange, NakReply nak, DateTimeOffset now)
    {
        switch (nak.Error)
        {
            case NakError.CheckCharacter when phase == PdPhase.Offline && useCrc:
                useCrc = false;
                RestartContact(now);
                return;
            case NakError.UnexpectedSequence:
                RestartContact(now);
                return;
            case NakError.SecurityBlockNotSupported or NakError.EncryptionRequired when !reader.SecureChannel:
                SetError("the reader requires the secure channel; enable it in this reader's configuration", PdErrorKind.SecureChannelRequired);
                RestartContact(now);
                return;
            default:
                break;
        }

        switch (exchange.Command)
        {
            case ChallengeCommand or ServerCryptogramCommand:
                HandshakeFailed(now, $"the reader refused the secure channel handshake with {OsdpNames.Nak(nak.Error)}", PdErrorKind.Nak);
                break;
            case KeySetCommand when rotatingFrom is { } current:
                // A refused rotation leaves the reader on its current key and session.
                keyStore.Save(keyStoreId, current);
                keyStore.Remove(keyStoreId + PreviousKeySuffix);
                rotatingFrom = null;
                pendingKey = null;
                break;
            case KeySetCommand:
                Interlocked.Increment(ref Counters.SecureChannelFailures);
                GoOffline(now, $"the reader refused its new key with {OsdpNames.Nak(nak.Error)}", PdErrorKind.Nak);
                break;
            case IdCommand:
                phase = PdPhase.Capabilities;
                break;
            case CapabilitiesCommand:
                OnCapabilities(new PdCapabilitiesReply([]), now);
                break;
            default:
                if (secure is not null && nak.Error is NakError.SecurityBlockNotSupported or NakError.EncryptionRequired)
                {
                    RestartContact(now);
                }

                break;
        }
    }

    private void OnCard(bool decoded, CardRead? card, CardRejectReason reason, int bitCount, DateTimeOffset now)
    {
        if (decoded)
        {
            Interlocked.Increment(ref Counters.CardReads);
            logger.LogDebug("OSDP card read at reader {Address} (door {DoorId}): {Card}", Address, DoorId, card);
            Emit(new CardPresented(Address, DoorId, now, card!));
            return;
        }

        Interlocked.Increment(ref Counters.RejectedCardReads);
        Interlocked.Increment(ref busCounters.RejectedCardReads);
        logger.LogWarning("OSDP card read rejected at reader {Address} (door {DoorId}): {Reason}, {BitCount} bits", Address, DoorId, reason, bitCount);
    }

    private void OnInputs(IReadOnlyList<bool> reported, DateTimeOffset now)
    {
        for (var i = 0; i < reported.Count; i++)
        {
            if (i >= inputs.Length || inputs[i] != reported[i])
            {
                Emit(new InputChanged(Address, DoorId, now, i, reported[i]));
            }
        }

        inputs = [.. reported];
    }

    private void OnCommunicationChanged(ComReply com, DateTimeOffset now)
    {
        if (com.BaudRate != bus.BaudRate)
        {
            GoOffline(now, $"the reader now listens at {com.BaudRate} baud; run the bus at that rate", PdErrorKind.Moved);
            return;
        }

        if (com.Address != Address)
        {
            logger.LogWarning("OSDP reader {Address} (door {DoorId}) moved to address {NewAddress}; update the configuration before the edge restarts", Address, DoorId, com.Address);
            Address = com.Address;
            RestartContact(now);
        }
    }

    /// <summary>The reader opened a session with <paramref name="used"/>: that is its key from now on, whatever a rotation left behind.</summary>
    private void KeepOnlyKey(byte[] used)
    {
        if (keyStore.Find(keyStoreId) is not { } stored || !CryptographicOperations.FixedTimeEquals(stored, used))
        {
            keyStore.Save(keyStoreId, used);
        }

        keyStore.Remove(keyStoreId + PreviousKeySuffix);
    }

    private void BeginRotation(KeySetCommand rotation)
    {
        rotatingFrom = keyAttempts[keyAttempt].Key;
        pendingKey = rotation.Key.ToArray();
        keyStore.Save(keyStoreId + PreviousKeySuffix, rotatingFrom);
        keyStore.Save(keyStoreId, pendingKey);
        logger.LogInformation("OSDP reader {Address} (door {DoorId}) is given a new secure channel key", Address, DoorId);
    }

    private void StartSecureChannel(List<(byte[] Key, bool IsDefault)> attempts)
    {
        keyAttempts.Clear();
        keyAttempts.AddRange(attempts);
        keyAttempt = 0;
        secure = null;
        phase = PdPhase.Challenge;
    }

    private void HandshakeFailed(DateTimeOffset now, string why, string kind)
    {
        Interlocked.Increment(ref Counters.SecureChannelFailures);
        secure = null;
        if (++keyAttempt < keyAttempts.Count)
        {
            logger.LogDebug("OSDP reader {Address} (door {DoorId}) secure channel attempt {Attempt} failed ({Why}); trying the next key", Address, DoorId, keyAttempt, why);
            phase = PdPhase.Challenge;
            return;
        }

        GoOffline(now, $"secure channel not established: {why}", kind);
    }

    private void GoReady(DateTimeOffset now)
    {
        phase = PdPhase.Ready;
        nextPollAt = now;
        lastError = null;
        lastErrorKind = null;
        housekeeping.Clear();
        housekeeping.Enqueue(new LocalStatusCommand());
        housekeeping.Enqueue(new InputStatusCommand());
        housekeeping.Enqueue(new OutputStatusCommand());
        if (online)
        {
            return;
        }

        online = true;
        logger.LogInformation(
            "OSDP reader {Address} (door {DoorId}) online: vendor {Vendor} model {Model} serial {Serial}, secure channel {Secure}",
            Address,
            DoorId,
            identity?.Vendor,
            identity?.Model,
            identity?.SerialNumber,
            secure is null ? "off" : "on");
        Emit(new PdOnlineChanged(Address, DoorId, now, true));
    }

    /// <summary>Starts over from osdp_ID with sequence number 0 (which also ends any secure channel) right away.</summary>
    private void RestartContact(DateTimeOffset now)
    {
        phase = PdPhase.Offline;
        nextSequence = 0;
        nextProbeAt = now;
        secure = null;
        handshake = null;
    }

    private void GoOffline(DateTimeOffset now, string why, string kind)
    {
        var repeated = why == lastError;
        SetError(why, kind);
        consecutiveRejected = 0;
        lastRejection = null;
        phase = PdPhase.Offline;
        nextSequence = 0;
        nextProbeAt = now + bus.ReprobeInterval;
        useCrc = true;
        secure = null;
        handshake = null;
        pendingKey = null;
        rotatingFrom = null;
        housekeeping.Clear();
        keypad.Clear();
        consecutiveMisses = 0;
        epoch++;
        while (commands.TryDequeue(out var queued))
        {
            queued.Complete(OsdpCommandResult.Offline);
        }

        if (!online)
        {
            // A reader that cannot be brought online is retried every reprobe interval: say why once, not every time.
            logger.Log(repeated ? LogLevel.Debug : LogLevel.Warning, "OSDP reader {Address} (door {DoorId}) cannot be brought online: {Why}", Address, DoorId, why);
            return;
        }

        online = false;
        Interlocked.Increment(ref Counters.OfflineTransitions);
        logger.LogWarning("OSDP reader {Address} (door {DoorId}) offline: {Why}", Address, DoorId, why);
        Emit(new PdOnlineChanged(Address, DoorId, now, false));
    }

    private static string RejectedText(int misses, int rejected, string detail) => rejected == misses
        ? (misses == 1 ? $"its reply was rejected: {detail}" : $"{misses} replies in a row were rejected: {detail}")
        : $"no usable reply to {misses} commands in a row ({rejected} rejected, the last: {detail})";

    private void SetError(string why, string kind)
    {
        lastError = why;
        lastErrorKind = kind;
    }

    private ReplyVerdict Reject(OsdpRejectReason reason, OsdpFrame frame, string detail, DateTimeOffset now)
    {
        busCounters.Rejects.Count(reason);
        logger.LogDebug("OSDP reply from reader {Address} (door {DoorId}) rejected: {Reason}, {Detail}", Address, DoorId, reason, detail);
        OnRejectedReply(reason, detail, frame.Bytes.Span, now);
        return ReplyVerdict.Ignored;
    }

    private void Emit(PdEvent pdEvent)
    {
        // The channel is unbounded, so a write only fails once the bus has stopped and completed it.
        events.TryWrite(pdEvent);
    }

    private PdStatus BuildStatus() => new(
        Address,
        DoorId,
        online,
        lastReplyAt,
        reader.SecureChannel,
        InstallMode,
        secure is not null,
        identity is null ? null : new PdIdentity(identity.Vendor, identity.Model, identity.Version, identity.SerialNumber, identity.Firmware),
        tamper,
        powerFailure,
        inputs,
        outputs,
        lastError,
        lastErrorKind,
        Counters.Snapshot(),
        RejectedFrames.Snapshot());
}
