using System.Buffers.Binary;
using Coworking.Sim.Osdp;
using Coworking.Sim.Osdp.Framing;
using Coworking.Sim.Osdp.SecureChannel;

namespace Coworking.Sim.Readers;

/// <summary>
/// One OSDP peripheral device (a card reader with keypad) at one address on a bus: door contact on input 0
/// (active = open), REX on input 1, the strike on output 0, one LED and one buzzer. It answers the CP's commands
/// (sequence numbers, repeats, secure channel) and reports queued card reads, keypad entries and input changes in
/// its poll replies. The bus loop and the control API both call it; one lock guards its state.
/// </summary>
internal sealed class SimulatedReader
{
    public const int MaxPendingEvents = 32;

    private const byte Model = 0x01;
    private const byte Version = 0x01;
    private const int OutputRecordLength = 4;
    private const int LedRecordLength = 14;
    private const int BuzzerRecordLength = 5;
    private const byte ScbkKeyType = 0x01;
    private const byte RmacAccepted = 0x01;
    private const byte RmacRefused = 0xFF;

    private static readonly byte[] VendorCode = [0x0A, 0x43, 0x57];
    private static readonly byte[] Firmware = [1, 0, 0];
    private static readonly int[] BaudRates = [9600, 19200, 38400, 57600, 115200, 230400];

    private readonly Lock gate = new();
    private readonly ReaderSetup setup;
    private readonly ScbkStore keyStore;
    private readonly TimeProvider time;
    private readonly TimeSpan onlineWindow;
    private readonly ILogger logger;
    private readonly PdSecureChannel? secureChannel;
    private readonly Queue<(long Id, ReaderEvent Event)> pending = new();
    private readonly List<BadgeWatch> watches = [];
    private readonly LedState led = new();
    private readonly OutputState strike = new();
    private readonly BuzzerState buzzer = new();

    private byte address;
    private int baudRate;
    private long nextEventId;
    private long rexReleaseEventId = -1;
    private bool doorOpen;
    private byte? lastSequence;
    private byte[]? lastCommand;
    private byte[]? lastReply;
    private DateTimeOffset? lastPollAt;
    private ReaderFaults faults = ReaderFaults.None;
    private long commands;
    private long naks;
    private long repeats;
    private DateTimeOffset? lastPulseAt;
    private int? lastPulseMs;

    public SimulatedReader(ReaderSetup setup, ScbkStore keyStore, TimeProvider time, TimeSpan onlineWindow, ILogger<SimulatedReader> logger)
    {
        this.setup = setup;
        this.keyStore = keyStore;
        this.time = time;
        this.onlineWindow = onlineWindow;
        this.logger = logger;
        address = setup.Address;
        baudRate = setup.BaudRate;
        if (setup.SecureChannel)
        {
            var serial = setup.SerialNumber;
            byte[] clientUid = [.. VendorCode, Model, (byte)serial, (byte)(serial >> 8), (byte)(serial >> 16), (byte)(serial >> 24)];
            secureChannel = new PdSecureChannel(setup.Scbk, clientUid);
        }
    }

    public string DoorId => setup.DoorId;

    public ReaderFaults Faults
    {
        get
        {
            lock (gate)
            {
                return faults;
            }
        }
    }

    /// <summary>Whether a frame to this address is for this reader (its own address or the 0x7F broadcast).</summary>
    public bool Answers(byte frameAddress)
    {
        lock (gate)
        {
            return frameAddress == address || frameAddress == OsdpFrame.BroadcastAddress;
        }
    }

    /// <summary>osdp_BUSY, in plain text with sequence number 0; the command is not processed.</summary>
    public byte[] BusyReply(OsdpFrame command)
    {
        lock (gate)
        {
            return FrameEncoder.Encode(ReplyAddress, 0, command.UsesCrc, command.HadMark, [], ReplyCode.Busy, []);
        }
    }

    /// <summary>Answers one frame addressed to this reader.</summary>
    public byte[] Handle(OsdpFrame frame)
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            NotePoll(now);
            commands++;
            if (frame.Error == FrameError.BadCheck)
            {
                return Nak(frame, NakCode.CheckCharacter);
            }

            var sequence = frame.Sequence;
            if (sequence == 0)
            {
                RestartCommunication();
            }
            else if (sequence == lastSequence && lastReply is not null && frame.Bytes.AsSpan().SequenceEqual(lastCommand))
            {
                repeats++;
                return lastReply;
            }
            else if (lastSequence is not { } last || sequence != NextSequence(last))
            {
                logger.LogDebug("Door {DoorId}: unexpected sequence number {Sequence} after {Last}", DoorId, sequence, lastSequence);
                return Nak(frame, NakCode.UnexpectedSequence);
            }

            var reply = frame.Error == FrameError.Malformed ? Nak(frame, NakCode.CommandLength) : Process(frame, now);
            lastSequence = sequence;
            lastCommand = frame.Bytes;
            lastReply = reply;
            return reply;
        }
    }

    /// <summary>Queues a presentation (card and/or keypad entry); null when the reader's queue is full.</summary>
    public BadgeWatch? Present(IReadOnlyList<ReaderEvent> events)
    {
        lock (gate)
        {
            if (pending.Count + events.Count > MaxPendingEvents)
            {
                return null;
            }

            var ids = events.Select(Enqueue).ToArray();
            var watch = new BadgeWatch(ids, time.GetUtcNow());
            watches.Add(watch);
            logger.LogInformation(
                "Door {DoorId}: presentation queued ({Kinds})",
                DoorId,
                string.Join(", ", events.Select(e => e is CardRead card ? $"card {card.BitCount} bits" : "keypad")));
            return watch;
        }
    }

    /// <summary>
    /// Ends a presentation and says what the CP did. Events the CP never polled out are withdrawn, so a reader
    /// that comes back online does not report a stale card read.
    /// </summary>
    public BadgeOutcome Conclude(BadgeWatch watch)
    {
        lock (gate)
        {
            watches.Remove(watch);
            var undelivered = pending.Where(p => watch.EventIds.Contains(p.Id)).ToList();
            if (undelivered.Count > 0)
            {
                var keep = pending.Where(p => !watch.EventIds.Contains(p.Id)).ToList();
                pending.Clear();
                keep.ForEach(pending.Enqueue);
            }

            var now = time.GetUtcNow();
            var result = watch.StrikeSeen || watch.CommandedColor == LedColor.Green ? BadgeOutcome.Granted
                : watch.CommandedColor == LedColor.Red ? BadgeOutcome.Denied
                : BadgeOutcome.NoResponse;
            var color = watch.CommandedColor ?? led.Color(now);
            long? decisionMs = watch is { FirstSignalAt: { } signal, DeliveredAt: { } delivered }
                ? (long)(signal - delivered).TotalMilliseconds
                : null;
            long? strikeUs = watch is { StrikeAt: { } strike, DeliveredAt: { } sent }
                ? (long)(strike - sent).TotalMicroseconds
                : null;
            return new BadgeOutcome(result, LedColor.Name(color), watch.StrikeMs, (long)(now - watch.StartedAt).TotalMilliseconds, decisionMs, strikeUs);
        }
    }

    /// <summary>Sets the door contact (input 0); a change is reported to the CP. False when the queue is full.</summary>
    public bool SetDoorContact(bool open)
    {
        lock (gate)
        {
            if (open == doorOpen)
            {
                return true;
            }

            if (pending.Count >= MaxPendingEvents)
            {
                return false;
            }

            doorOpen = open;
            Enqueue(new InputReport(Inputs()));
            logger.LogInformation("Door {DoorId}: door contact {State}", DoorId, open ? "open" : "closed");
            return true;
        }
    }

    /// <summary>Presses and releases the REX button (input 1): two input reports, pressed until the release is polled out.</summary>
    public bool PressRex()
    {
        lock (gate)
        {
            if (pending.Count + 2 > MaxPendingEvents)
            {
                return false;
            }

            Enqueue(new InputReport([(byte)(doorOpen ? 1 : 0), 1]));
            rexReleaseEventId = Enqueue(new InputReport([(byte)(doorOpen ? 1 : 0), 0]));
            logger.LogInformation("Door {DoorId}: request-to-exit pressed", DoorId);
            return true;
        }
    }

    public void SetFaults(ReaderFaults value)
    {
        lock (gate)
        {
            faults = value;
        }

        logger.LogInformation("Door {DoorId}: faults set to {Faults}", DoorId, value);
    }

    public ReaderSnapshot Snapshot()
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            return new ReaderSnapshot(
                DoorId,
                address,
                setup.Port,
                baudRate,
                lastPollAt is { } polled && now - polled <= onlineWindow,
                lastPollAt,
                secureChannel is not null,
                secureChannel?.IsActive == true,
                secureChannel?.InstallMode == true,
                setup.Keypad,
                LedColor.Name(led.Color(now)),
                buzzer.IsSounding(now) ? "on" : "off",
                strike.IsOn(now),
                doorOpen,
                RexPressed,
                pending.Count,
                faults,
                commands,
                naks,
                repeats,
                strike.IsHeld,
                lastPulseAt,
                lastPulseMs);
        }
    }

    private byte ReplyAddress => (byte)(address | OsdpFrame.ReplyBit);

    private bool RexPressed => pending.Any(p => p.Id == rexReleaseEventId);

    private static byte NextSequence(byte sequence) => sequence == 3 ? (byte)1 : (byte)(sequence + 1);

    private void NotePoll(DateTimeOffset now)
    {
        if (lastPollAt is not { } previous || now - previous > onlineWindow)
        {
            logger.LogInformation("Door {DoorId}: the CP is polling the reader at address {Address}", DoorId, address);
        }

        lastPollAt = now;
    }

    private void RestartCommunication()
    {
        if (secureChannel?.IsActive == true)
        {
            logger.LogInformation("Door {DoorId}: sequence 0 from the CP ends the secure session", DoorId);
        }

        secureChannel?.Reset();
        lastSequence = null;
        lastCommand = null;
        lastReply = null;
    }

    private long Enqueue(ReaderEvent readerEvent)
    {
        var id = ++nextEventId;
        pending.Enqueue((id, readerEvent));
        return id;
    }

    private byte[] Inputs() => [(byte)(doorOpen ? 1 : 0), (byte)(RexPressed ? 1 : 0)];

    private byte[] Process(OsdpFrame frame, DateTimeOffset now)
    {
        var content = frame.Content!;
        var data = content.Data;
        var secured = false;
        if (content.SecurityBlock is { } block)
        {
            if (secureChannel is null)
            {
                return Nak(frame, NakCode.SecurityBlockNotSupported);
            }

            switch (block[1])
            {
                case SecurityBlockType.BeginSession when content.Code == CommandCode.Challenge:
                    return AnswerChallenge(frame, block, data);
                case SecurityBlockType.ServerCryptogram when content.Code == CommandCode.ServerCryptogram:
                    return AnswerServerCryptogram(frame, data);
                case SecurityBlockType.CommandMacOnly or SecurityBlockType.CommandEncrypted:
                    var opened = OpenSecured(frame, content);
                    if (opened is null)
                    {
                        return Nak(frame, NakCode.SecurityConditionsNotMet);
                    }

                    data = opened;
                    secured = true;
                    break;
                default:
                    return Nak(frame, NakCode.SecurityConditionsNotMet);
            }
        }
        else if (secureChannel is not null)
        {
            if (secureChannel.IsActive)
            {
                secureChannel.Reset();
                logger.LogWarning("Door {DoorId}: plain-text command inside the secure session; session dropped", DoorId);
                return Nak(frame, NakCode.SecurityConditionsNotMet);
            }

            if (content.Code is not (CommandCode.Id or CommandCode.Capabilities))
            {
                return Nak(frame, NakCode.SecurityConditionsNotMet);
            }
        }

        var plan = Execute(content.Code, data, secured, now);
        if (plan.Code == ReplyCode.Nak)
        {
            naks++;
        }

        var reply = secured ? Sealed(frame, plan.Code, plan.Data) : Plain(frame, plan.Code, plan.Data);
        plan.AfterReply?.Invoke();
        return reply;
    }

    /// <summary>Checks the MAC (and decrypts SCS_17 data); any failure ends the session, as the chain can no longer be trusted.</summary>
    private byte[]? OpenSecured(OsdpFrame frame, FrameContent content)
    {
        if (secureChannel is not { IsActive: true })
        {
            return null;
        }

        if (!secureChannel.VerifyCommandMac(frame.MacInput, content.Mac))
        {
            secureChannel.Reset();
            logger.LogWarning("Door {DoorId}: command MAC did not verify; secure session dropped", DoorId);
            return null;
        }

        if (content.SecurityBlockType != SecurityBlockType.CommandEncrypted || content.Data.Length == 0)
        {
            return content.Data;
        }

        var plain = secureChannel.DecryptCommandData(content.Data);
        if (plain is null)
        {
            secureChannel.Reset();
            logger.LogWarning("Door {DoorId}: command data did not decrypt; secure session dropped", DoorId);
        }

        return plain;
    }

    private byte[] AnswerChallenge(OsdpFrame frame, byte[] block, byte[] challenge)
    {
        if (challenge.Length != ScCrypto.RandomLength)
        {
            return Nak(frame, NakCode.CommandLength);
        }

        var answer = secureChannel!.AnswerChallenge(block.Length >= 3 && block[2] == 0, challenge);
        byte[] replyBlock = [3, SecurityBlockType.ClientCryptogram, (byte)(answer.UsedDefaultKey ? 0 : 1)];
        return FrameEncoder.Encode(ReplyAddress, frame.Sequence, frame.UsesCrc, frame.HadMark, replyBlock, ReplyCode.ClientCryptogram, answer.Payload);
    }

    private byte[] AnswerServerCryptogram(OsdpFrame frame, byte[] cryptogram)
    {
        if (cryptogram.Length != ScCrypto.BlockSize)
        {
            return Nak(frame, NakCode.CommandLength);
        }

        if (!secureChannel!.AwaitsServerCryptogram)
        {
            return Nak(frame, NakCode.SecurityConditionsNotMet);
        }

        var initialRmac = secureChannel.AcceptServerCryptogram(cryptogram);
        if (initialRmac is null)
        {
            logger.LogWarning("Door {DoorId}: the CP's cryptogram did not verify; no secure session", DoorId);
        }
        else
        {
            logger.LogInformation(
                "Door {DoorId}: secure channel established with {Key}",
                DoorId,
                secureChannel.SessionUsesDefaultKey ? "SCBK-D (install mode)" : "the reader's SCBK");
        }

        byte[] replyBlock = [3, SecurityBlockType.InitialRmac, initialRmac is null ? RmacRefused : RmacAccepted];
        return FrameEncoder.Encode(
            ReplyAddress, frame.Sequence, frame.UsesCrc, frame.HadMark, replyBlock, ReplyCode.InitialRmac, initialRmac ?? new byte[ScCrypto.BlockSize]);
    }

    private ReplyPlan Execute(byte code, byte[] data, bool secured, DateTimeOffset now) => code switch
    {
        CommandCode.Poll => data.Length == 0 ? Poll(now) : ReplyPlan.Nak(NakCode.CommandLength),
        CommandCode.Id => data.Length == 1 ? new ReplyPlan(ReplyCode.Id, Identity()) : ReplyPlan.Nak(NakCode.CommandLength),
        CommandCode.Capabilities => data.Length == 1 ? new ReplyPlan(ReplyCode.Capabilities, Capabilities()) : ReplyPlan.Nak(NakCode.CommandLength),
        CommandCode.LocalStatus => data.Length == 0 ? new ReplyPlan(ReplyCode.LocalStatus, [0, 0]) : ReplyPlan.Nak(NakCode.CommandLength),
        CommandCode.InputStatus => data.Length == 0 ? new ReplyPlan(ReplyCode.InputStatus, Inputs()) : ReplyPlan.Nak(NakCode.CommandLength),
        CommandCode.OutputStatus => data.Length == 0
            ? new ReplyPlan(ReplyCode.OutputStatus, [(byte)(strike.IsOn(now) ? 1 : 0)])
            : ReplyPlan.Nak(NakCode.CommandLength),
        CommandCode.Output => Output(data, now),
        CommandCode.Led => Led(data, now),
        CommandCode.Buzzer => Buzzer(data, now),
        CommandCode.CommunicationSet => CommunicationSet(data),
        CommandCode.KeySet => KeySet(data, secured),
        CommandCode.Challenge or CommandCode.ServerCryptogram => ReplyPlan.Nak(
            secureChannel is null ? NakCode.SecurityBlockNotSupported : NakCode.SecurityConditionsNotMet),
        _ => ReplyPlan.Nak(NakCode.UnknownCommand),
    };

    private ReplyPlan Poll(DateTimeOffset now)
    {
        if (!pending.TryDequeue(out var next))
        {
            return ReplyPlan.Ack;
        }

        foreach (var watch in watches)
        {
            watch.OnDelivered(next.Id, now);
        }

        return next.Event.ToReply();
    }

    private byte[] Identity()
    {
        var serial = setup.SerialNumber;
        return [.. VendorCode, Model, Version, (byte)serial, (byte)(serial >> 8), (byte)(serial >> 16), (byte)(serial >> 24), .. Firmware];
    }

    /// <summary>osdp_PDCAP: (function code, compliance, number) triplets.</summary>
    private byte[] Capabilities()
    {
        const int bufferSize = FrameDecoder.MaxFrameLength;
        var secure = (byte)(secureChannel is null ? 0 : 1);
        return
        [
            1, 1, 2, // contact status monitoring: door contact and REX
            2, 1, 1, // output control: the strike
            3, 1, 0, // card data format: bit array
            4, 4, 1, // reader LED: timed, multi-colour, one LED
            5, 2, 1, // audible output: timed, one buzzer
            8, 1, 0, // check character: CRC-16
            9, secure, secure, // communication security: AES-128, SCBK-D in install mode
            10, bufferSize & 0xFF, bufferSize >> 8, // receive buffer size
            11, bufferSize & 0xFF, bufferSize >> 8, // largest combined message
            16, 2, 0, // OSDP version 2.2
        ];
    }

    private ReplyPlan Output(byte[] data, DateTimeOffset now)
    {
        if (data.Length == 0 || data.Length % OutputRecordLength != 0)
        {
            return ReplyPlan.Nak(NakCode.CommandLength);
        }

        var records = data.Chunk(OutputRecordLength).ToArray();
        if (records.Any(r => r[0] != 0 || !OutputState.IsValidControlCode(r[1])))
        {
            return ReplyPlan.Nak(NakCode.UnableToProcessRecord);
        }

        foreach (var record in records)
        {
            var controlCode = record[1];
            var timer = BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(2));
            strike.Apply(controlCode, timer, now);
            int? strikeMs = controlCode switch
            {
                5 when timer > 0 => timer * 100,
                2 or 4 => 0,
                _ => null,
            };
            if (strikeMs is { } pulse)
            {
                watches.ForEach(w => w.OnStrike(pulse, now));
            }

            if (controlCode == 5 && timer > 0)
            {
                (lastPulseAt, lastPulseMs) = (now, timer * 100);
            }
        }

        return ReplyPlan.Ack;
    }

    private ReplyPlan Led(byte[] data, DateTimeOffset now)
    {
        if (data.Length == 0 || data.Length % LedRecordLength != 0)
        {
            return ReplyPlan.Nak(NakCode.CommandLength);
        }

        var records = data.Chunk(LedRecordLength).ToArray();
        if (records.Any(r => r[0] != ReaderEvent.ReaderNumber || r[1] != 0 || r[2] > 2 || r[9] > 1
            || !LedColor.IsKnown(r[5]) || !LedColor.IsKnown(r[6]) || !LedColor.IsKnown(r[12]) || !LedColor.IsKnown(r[13])))
        {
            return ReplyPlan.Nak(NakCode.UnableToProcessRecord);
        }

        foreach (var r in records)
        {
            var temporary = new LedPattern(r[5], r[6], r[3], r[4]);
            var permanent = new LedPattern(r[12], r[13], r[10], r[11]);
            if (r[2] == 1)
            {
                led.CancelTemporary();
            }
            else if (r[2] == 2)
            {
                led.SetTemporary(temporary, TimeSpan.FromMilliseconds(BinaryPrimitives.ReadUInt16LittleEndian(r.AsSpan(7)) * 100), now);
            }

            if (r[9] == 1)
            {
                led.SetPermanent(permanent);
            }

            var shown = r[2] == 2 ? temporary : r[9] == 1 ? permanent : null;
            if (shown is not null)
            {
                watches.ForEach(w => w.OnLed(shown.ShownColor, now));
            }
        }

        return ReplyPlan.Ack;
    }

    private ReplyPlan Buzzer(byte[] data, DateTimeOffset now)
    {
        if (data.Length == 0 || data.Length % BuzzerRecordLength != 0)
        {
            return ReplyPlan.Nak(NakCode.CommandLength);
        }

        var records = data.Chunk(BuzzerRecordLength).ToArray();
        if (records.Any(r => r[0] != ReaderEvent.ReaderNumber || !BuzzerState.IsValidTone(r[1])))
        {
            return ReplyPlan.Nak(NakCode.UnableToProcessRecord);
        }

        foreach (var r in records)
        {
            buzzer.Apply(r[1], r[2], r[3], r[4], now);
        }

        return ReplyPlan.Ack;
    }

    private ReplyPlan CommunicationSet(byte[] data)
    {
        if (data.Length != 5)
        {
            return ReplyPlan.Nak(NakCode.CommandLength);
        }

        var newAddress = data[0];
        var newBaudRate = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(1));
        if (newAddress >= OsdpFrame.BroadcastAddress || !BaudRates.Contains(newBaudRate))
        {
            return ReplyPlan.Nak(NakCode.UnableToProcessRecord);
        }

        return new ReplyPlan(ReplyCode.Communication, data, () =>
        {
            logger.LogInformation(
                "Door {DoorId}: COMSET moves the reader from address {Old} to {New} at {BaudRate} baud", DoorId, address, newAddress, newBaudRate);
            address = newAddress;
            baudRate = newBaudRate;
        });
    }

    private ReplyPlan KeySet(byte[] data, bool secured)
    {
        if (secureChannel is null)
        {
            return ReplyPlan.Nak(NakCode.SecurityBlockNotSupported);
        }

        if (!secured)
        {
            return ReplyPlan.Nak(NakCode.SecurityConditionsNotMet);
        }

        if (data.Length < 2 || data.Length != 2 + data[1])
        {
            return ReplyPlan.Nak(NakCode.CommandLength);
        }

        if (data[0] != ScbkKeyType || data[1] != ScCrypto.BlockSize)
        {
            return ReplyPlan.Nak(NakCode.UnableToProcessRecord);
        }

        var key = data[2..];
        return new ReplyPlan(ReplyCode.Ack, [], () =>
        {
            secureChannel.InstallKey(key);
            keyStore.Save(DoorId, key);
            logger.LogInformation("Door {DoorId}: new SCBK installed by osdp_KEYSET; install mode ended", DoorId);
        });
    }

    private byte[] Plain(OsdpFrame frame, byte code, byte[] data) =>
        FrameEncoder.Encode(ReplyAddress, frame.Sequence, frame.UsesCrc, frame.HadMark, [], code, data);

    /// <summary>SCS_16 for a reply without data, SCS_18 (data encrypted) otherwise; both carry the MAC.</summary>
    private byte[] Sealed(OsdpFrame frame, byte code, byte[] data)
    {
        var channel = secureChannel!;
        var wrongType = Faults.WrongSecurityBlockType;
        return data.Length == 0
            ? FrameEncoder.Encode(ReplyAddress, frame.Sequence, frame.UsesCrc, frame.HadMark, [2, wrongType ?? SecurityBlockType.ReplyMacOnly], code, [], channel.ReplyMac)
            : FrameEncoder.Encode(
                ReplyAddress, frame.Sequence, frame.UsesCrc, frame.HadMark, [2, wrongType ?? SecurityBlockType.ReplyEncrypted], code, channel.EncryptReplyData(data), channel.ReplyMac);
    }

    private byte[] Nak(OsdpFrame frame, NakCode code)
    {
        naks++;
        return Plain(frame, ReplyCode.Nak, [(byte)code]);
    }
}
