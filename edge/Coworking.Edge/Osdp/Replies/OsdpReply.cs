using System.Diagnostics.CodeAnalysis;

namespace Coworking.Edge.Osdp.Replies;

/// <summary>Reply codes (PD to CP) of SIA OSDP 2.2 that this control panel understands.</summary>
public static class ReplyCode
{
    public const byte Ack = 0x40;
    public const byte Nak = 0x41;
    public const byte PdId = 0x45;
    public const byte PdCapabilities = 0x46;
    public const byte LocalStatus = 0x48;
    public const byte InputStatus = 0x49;
    public const byte OutputStatus = 0x4A;
    public const byte RawCard = 0x50;
    public const byte FormattedCard = 0x51;
    public const byte Keypad = 0x53;
    public const byte Com = 0x54;
    public const byte ClientCryptogram = 0x76;
    public const byte InitialRmac = 0x78;
    public const byte Busy = 0x79;
}

/// <summary>
/// A reply as a record: its code and the data bytes after the code. Decoding never throws: data that does not
/// fit the code, or an unknown code, gives no reply and the control panel counts it as malformed.
/// </summary>
public abstract record OsdpReply
{
    public abstract byte Code { get; }

    public abstract byte[] EncodeData();

    public static bool TryDecode(byte code, ReadOnlySpan<byte> data, [NotNullWhen(true)] out OsdpReply? reply)
    {
        reply = code switch
        {
            ReplyCode.Ack => data.IsEmpty ? new AckReply() : null,
            ReplyCode.Nak => data.IsEmpty ? null : new NakReply((NakError)data[0], data[1..].ToArray()),
            ReplyCode.PdId => PdIdReply.Decode(data),
            ReplyCode.PdCapabilities => PdCapabilitiesReply.Decode(data),
            ReplyCode.LocalStatus => data.Length == 2 ? new LocalStatusReply(data[0] != 0, data[1] != 0) : null,
            ReplyCode.InputStatus => new InputStatusReply(ToStates(data)),
            ReplyCode.OutputStatus => new OutputStatusReply(ToStates(data)),
            ReplyCode.RawCard => RawCardReply.Decode(data),
            ReplyCode.FormattedCard => FormattedCardReply.Decode(data),
            ReplyCode.Keypad => KeypadReply.Decode(data),
            ReplyCode.Com => ComReply.Decode(data),
            ReplyCode.ClientCryptogram => ClientCryptogramReply.Decode(data),
            ReplyCode.InitialRmac => data.Length == InitialRmacReply.RmacLength ? new InitialRmacReply(data.ToArray()) : null,
            ReplyCode.Busy => data.IsEmpty ? new BusyReply() : null,
            _ => null,
        };
        return reply is not null;
    }

    private static bool[] ToStates(ReadOnlySpan<byte> data)
    {
        var states = new bool[data.Length];
        for (var i = 0; i < data.Length; i++)
        {
            states[i] = data[i] != 0;
        }

        return states;
    }
}

/// <summary>osdp_ACK: done, nothing to report.</summary>
public sealed record AckReply : OsdpReply
{
    public override byte Code => ReplyCode.Ack;

    public override byte[] EncodeData() => [];
}

/// <summary>osdp_BUSY: the PD cannot answer now; the CP repeats the command.</summary>
public sealed record BusyReply : OsdpReply
{
    public override byte Code => ReplyCode.Busy;

    public override byte[] EncodeData() => [];
}

/// <summary>Error codes of osdp_NAK.</summary>
public enum NakError : byte
{
    None = 0x00,
    CheckCharacter = 0x01,
    CommandLength = 0x02,
    UnknownCommand = 0x03,
    UnexpectedSequence = 0x04,
    SecurityBlockNotSupported = 0x05,
    EncryptionRequired = 0x06,
    BiometricTypeNotSupported = 0x07,
    BiometricFormatNotSupported = 0x08,
    UnableToProcess = 0x09,
}

/// <summary>osdp_NAK: the command was refused, with an error code and optional detail bytes.</summary>
public sealed record NakReply(NakError Error, ReadOnlyMemory<byte> Detail) : OsdpReply
{
    public override byte Code => ReplyCode.Nak;

    public override byte[] EncodeData() => [(byte)Error, .. Detail.Span];
}
