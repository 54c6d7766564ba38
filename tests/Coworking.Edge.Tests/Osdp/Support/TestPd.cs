using System.Collections.Concurrent;
using System.Security.Cryptography;
using Coworking.Edge.Osdp.Commands;
using Coworking.Edge.Osdp.Framing;
using Coworking.Edge.Osdp.Replies;

namespace Coworking.Edge.Tests.Osdp.Support;

/// <summary>A command as the PD received it: decoded, with the security block type it came under (0 = none) and its check character.</summary>
internal sealed record ReceivedCommand(OsdpCommand Command, byte Sequence, byte SecurityBlockType, bool UsedCrc = true);

/// <summary>
/// A small OSDP peripheral device for tests, written from the spec's PD side: sequence numbers (0 resets,
/// a repeated number gets the last reply again), ID/CAP, status, LED/BUZ/OUT, card and keypad data in poll
/// replies, and the secure channel (install mode with SCBK-D, KEYSET, MAC chaining, encrypted data) using
/// its own crypto code. Faults can be switched on to see how the control panel copes.
/// </summary>
internal sealed class TestPd(byte address)
{
    private readonly Lock gate = new();
    private readonly List<ReceivedCommand> received = [];
    private readonly ConcurrentQueue<(OsdpReply Reply, bool ForgeMac)> pollReplies = new();
    private byte? lastSequence;
    private byte[]? lastReply;
    private byte[]? cpRandom;
    private byte[]? pdRandom;
    private PdCrypto? pending;
    private PdCrypto? session;
    private byte[] lastCommandMac = new byte[16];
    private byte[] lastReplyMac = new byte[16];
    private bool[] inputs = [false, false];
    private bool forgeMac;

    public byte Address { get; private set; } = address;

    /// <summary>The PD's own secure channel base key; null = none yet.</summary>
    public byte[]? Scbk { get; set; }

    /// <summary>Accepts SCBK-D when the CP asks for it (key indicator 0).</summary>
    public bool InstallMode { get; set; }

    public bool SecureChannelCapable { get; set; } = true;

    public bool SupportsCrc { get; set; } = true;

    /// <summary>While set the PD hears nothing and says nothing, like a cut cable.</summary>
    public volatile bool Silent;

    /// <summary>The next N replies are not sent at all (the PD did process the command).</summary>
    public int DropReplies;

    /// <summary>The next N replies go out with a wrong CRC.</summary>
    public int CorruptCrcReplies;

    /// <summary>The next N replies carry the wrong sequence number (with a CRC that matches it).</summary>
    public int WrongSequenceReplies;

    /// <summary>osdp_RMAC_I carries a value that does not follow from the session keys.</summary>
    public bool CorruptInitialRmac { get; set; }

    /// <summary>The next N commands get osdp_BUSY.</summary>
    public int BusyReplies;

    /// <summary>The next N commands (other than POLL) get osdp_NAK with this error.</summary>
    public int NakCommands;

    public NakError NakError { get; set; } = NakError.UnableToProcess;

    public bool SecureChannelActive => session is not null;

    public IReadOnlyList<ReceivedCommand> Received
    {
        get
        {
            lock (gate)
            {
                return [.. received];
            }
        }
    }

    public int ReceivedCount
    {
        get
        {
            lock (gate)
            {
                return received.Count;
            }
        }
    }

    public void Present(OsdpReply reply) => pollReplies.Enqueue((reply, false));

    /// <summary>Sends <paramref name="reply"/> at the next poll with a wrong MAC (and a correct CRC), as a forger would.</summary>
    public void PresentWithForgedMac(OsdpReply reply) => pollReplies.Enqueue((reply, true));

    public void SetInputs(params bool[] states)
    {
        lock (gate)
        {
            inputs = states;
        }

        pollReplies.Enqueue((new InputStatusReply(states), false));
    }

    /// <summary>Answers one frame from the bus; null when the frame is not for this PD or it stays quiet.</summary>
    public byte[]? Handle(OsdpFrame frame)
    {
        if (Silent || frame.IsReply || frame.Address != Address)
        {
            return null;
        }

        var sequence = frame.Sequence;
        if (sequence == 0)
        {
            session = null;
            pending = null;
        }
        else if (sequence == lastSequence && lastReply is not null)
        {
            return Send(lastReply);
        }
        else if (lastSequence is null || sequence != Next(lastSequence.Value))
        {
            return Reply(sequence, new NakReply(NakError.UnexpectedSequence, Array.Empty<byte>()), secured: false, remember: false);
        }

        if (BusyReplies > 0)
        {
            BusyReplies--;
            return Send(OsdpFrameEncoder.Encode(new OsdpFrameHeader(Address, true, 0, SupportsCrc), ReplyCode.Busy, []));
        }

        var data = frame.Data;
        var blockType = frame.SecurityBlock?.Type ?? 0;
        switch (blockType)
        {
            case 0 when session is not null:
                session = null;
                return Reply(sequence, new NakReply(NakError.EncryptionRequired, Array.Empty<byte>()), secured: false);
            case SecurityBlockType.Scs11:
                return OnChallenge(frame, sequence);
            case SecurityBlockType.Scs13:
                return OnServerCryptogram(frame, sequence);
            case SecurityBlockType.Scs15 or SecurityBlockType.Scs17:
                if (session is null)
                {
                    return Reply(sequence, new NakReply(NakError.SecurityBlockNotSupported, Array.Empty<byte>()), secured: false);
                }

                var mac = session.Mac(lastReplyMac, frame.Authenticated.Span);
                if (!mac.AsSpan(0, 4).SequenceEqual(frame.Mac.Span))
                {
                    session = null;
                    return Reply(sequence, new NakReply(NakError.EncryptionRequired, Array.Empty<byte>()), secured: false);
                }

                lastCommandMac = mac;
                if (blockType == SecurityBlockType.Scs17)
                {
                    var plaintext = session.Decrypt(lastReplyMac, frame.Data.Span);
                    if (plaintext is null)
                    {
                        session = null;
                        return Reply(sequence, new NakReply(NakError.EncryptionRequired, Array.Empty<byte>()), secured: false);
                    }

                    data = plaintext;
                }

                break;
            case not 0:
                return Reply(sequence, new NakReply(NakError.SecurityBlockNotSupported, Array.Empty<byte>()), secured: false);
            default:
                break;
        }

        if (!OsdpCommand.TryDecode(frame.Code, data.Span, out var command))
        {
            return Reply(sequence, new NakReply(NakError.CommandLength, Array.Empty<byte>()), secured: session is not null);
        }

        Record(command, sequence, blockType, frame.UsesCrc);
        if (NakCommands > 0 && command is not PollCommand)
        {
            NakCommands--;
            return Reply(sequence, new NakReply(NakError, Array.Empty<byte>()), secured: session is not null);
        }

        var secured = session is not null;
        var reply = Process(command);
        var bytes = Reply(sequence, reply, secured);
        if (command is KeySetCommand keySet && secured)
        {
            Scbk = keySet.Key.ToArray();
            InstallMode = false;
        }

        if (command is ComSetCommand comSet)
        {
            Address = comSet.Address;
        }

        return bytes;
    }

    private OsdpReply Process(OsdpCommand command) => command switch
    {
        PollCommand => NextPollReply(),
        IdCommand => new PdIdReply(0x0C0B0A, 7, 2, 0x12345678, 1, 2, 3),
        CapabilitiesCommand => new PdCapabilitiesReply(
        [
            new PdCapability(CapabilityFunction.ContactStatusMonitoring, 1, 2),
            new PdCapability(CapabilityFunction.OutputControl, 1, 1),
            new PdCapability(CapabilityFunction.ReaderLedControl, 1, 1),
            new PdCapability(CapabilityFunction.ReaderAudibleOutput, 1, 1),
            new PdCapability(CapabilityFunction.CheckCharacterSupport, (byte)(SupportsCrc ? 1 : 0), 0),
            new PdCapability(CapabilityFunction.CommunicationSecurity, (byte)(SecureChannelCapable ? 1 : 0), 0),
            new PdCapability(CapabilityFunction.OsdpVersion, 2, 0),
        ]),
        LocalStatusCommand => new LocalStatusReply(false, false),
        InputStatusCommand => new InputStatusReply(CurrentInputs()),
        OutputStatusCommand => new OutputStatusReply([false]),
        KeySetCommand when session is null => new NakReply(NakError.EncryptionRequired, Array.Empty<byte>()),
        ComSetCommand comSet => new ComReply(comSet.Address, comSet.BaudRate),
        _ => new AckReply(),
    };

    private OsdpReply NextPollReply()
    {
        if (!pollReplies.TryDequeue(out var next))
        {
            return new AckReply();
        }

        forgeMac = next.ForgeMac;
        return next.Reply;
    }

    private void Record(OsdpCommand command, byte sequence, byte blockType, bool usedCrc = true)
    {
        lock (gate)
        {
            received.Add(new ReceivedCommand(command, sequence, blockType, usedCrc));
        }
    }

    private bool[] CurrentInputs()
    {
        lock (gate)
        {
            return inputs;
        }
    }

    private byte[]? OnChallenge(OsdpFrame frame, byte sequence)
    {
        session = null;
        var useDefault = frame.SecurityBlock!.Data.Span is [0, ..];
        var key = useDefault ? (InstallMode ? PdCrypto.DefaultKey : null) : Scbk;
        if (!SecureChannelCapable || key is null || frame.Data.Length != 8)
        {
            return Reply(sequence, new NakReply(NakError.SecurityBlockNotSupported, Array.Empty<byte>()), secured: false);
        }

        cpRandom = frame.Data.ToArray();
        Record(new ChallengeCommand(cpRandom), sequence, SecurityBlockType.Scs11);
        pdRandom = RandomNumberGenerator.GetBytes(8);
        pending = PdCrypto.FromBaseKey(key, cpRandom);
        var cryptogram = PdCrypto.Ecb(pending.Enc, [.. cpRandom, .. pdRandom]);
        var reply = new ClientCryptogramReply(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, pdRandom, cryptogram);
        var bytes = OsdpFrameEncoder.Encode(
            new OsdpFrameHeader(Address, true, sequence, SupportsCrc),
            reply.Code,
            reply.EncodeData(),
            new SecurityBlock(SecurityBlockType.Scs12, new[] { (byte)(useDefault ? 0 : 1) }));
        return Remember(sequence, bytes);
    }

    private byte[]? OnServerCryptogram(OsdpFrame frame, byte sequence)
    {
        if (pending is null || cpRandom is null || pdRandom is null)
        {
            return Reply(sequence, new NakReply(NakError.SecurityBlockNotSupported, Array.Empty<byte>()), secured: false);
        }

        Record(new ServerCryptogramCommand(frame.Data.ToArray()), sequence, SecurityBlockType.Scs13);
        var expected = PdCrypto.Ecb(pending.Enc, [.. pdRandom, .. cpRandom]);
        if (!expected.AsSpan().SequenceEqual(frame.Data.Span))
        {
            pending = null;
            return Reply(sequence, new NakReply(NakError.EncryptionRequired, Array.Empty<byte>()), secured: false);
        }

        session = pending;
        pending = null;
        lastReplyMac = PdCrypto.Ecb(session.Mac2, PdCrypto.Ecb(session.Mac1, expected));
        var reply = new InitialRmacReply(CorruptInitialRmac ? [.. lastReplyMac.Select(b => (byte)~b)] : lastReplyMac);
        var bytes = OsdpFrameEncoder.Encode(
            new OsdpFrameHeader(Address, true, sequence, SupportsCrc),
            reply.Code,
            reply.EncodeData(),
            new SecurityBlock(SecurityBlockType.Scs14, new byte[] { 1 }));
        return Remember(sequence, bytes);
    }

    private byte[]? Reply(byte sequence, OsdpReply reply, bool secured, bool remember = true)
    {
        var header = new OsdpFrameHeader(Address, true, sequence, SupportsCrc);
        byte[] bytes;
        if (secured && session is not null)
        {
            var crypto = session;
            var data = reply.EncodeData();
            var encrypted = data.Length > 0;
            var payload = encrypted ? crypto.Encrypt(lastCommandMac, data) : data;
            var block = new SecurityBlock(encrypted ? SecurityBlockType.Scs18 : SecurityBlockType.Scs16, ReadOnlyMemory<byte>.Empty);
            bytes = OsdpFrameEncoder.Encode(header, reply.Code, payload, block, (authenticated, mac) =>
            {
                lastReplyMac = crypto.Mac(lastCommandMac, authenticated);
                lastReplyMac.AsSpan(0, 4).CopyTo(mac);
                if (forgeMac)
                {
                    forgeMac = false;
                    mac[0] ^= 0x01;
                }
            });
        }
        else
        {
            bytes = OsdpFrameEncoder.Encode(header, reply.Code, reply.EncodeData());
        }

        return remember ? Remember(sequence, bytes) : Send(bytes);
    }

    private byte[]? Remember(byte sequence, byte[] bytes)
    {
        lastSequence = sequence;
        lastReply = bytes;
        return Send(bytes);
    }

    private byte[]? Send(byte[] bytes)
    {
        if (DropReplies > 0)
        {
            DropReplies--;
            return null;
        }

        if (WrongSequenceReplies > 0)
        {
            WrongSequenceReplies--;
            var resequenced = (byte[])bytes.Clone();
            resequenced[4] = (byte)((resequenced[4] & ~0x03) | Next((byte)(resequenced[4] & 0x03)));
            var crc = OsdpCrc16.Compute(resequenced.AsSpan(0, resequenced.Length - 2));
            resequenced[^2] = (byte)crc;
            resequenced[^1] = (byte)(crc >> 8);
            return resequenced;
        }

        if (CorruptCrcReplies > 0)
        {
            CorruptCrcReplies--;
            var corrupted = (byte[])bytes.Clone();
            corrupted[^1] ^= 0x5A;
            return corrupted;
        }

        return bytes;
    }

    private static byte Next(byte sequence) => sequence == 3 ? (byte)1 : (byte)(sequence + 1);
}
