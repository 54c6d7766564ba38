using Coworking.Sim.Osdp;

namespace Coworking.Sim.Readers;

/// <summary>Something the reader reports to the CP in its answer to a poll.</summary>
internal abstract record ReaderEvent
{
    /// <summary>Reader number inside the PD; this PD has one reader.</summary>
    public const byte ReaderNumber = 0;

    public abstract ReplyPlan ToReply();
}

/// <summary>Card data for osdp_RAW: format 0x01 = Wiegand (P/data/P), bits MSB first, last byte padded with zero bits.</summary>
internal sealed record CardRead(byte Format, int BitCount, byte[] Data) : ReaderEvent
{
    public const byte WiegandFormat = 0x01;

    public override ReplyPlan ToReply() =>
        new(ReplyCode.Raw, [ReaderNumber, Format, (byte)BitCount, (byte)(BitCount >> 8), .. Data]);
}

/// <summary>Keys for osdp_KEYPAD: digits as ASCII '0'..'9', '#' as 0x0D, '*' as 0x7F.</summary>
internal sealed record KeypadEntry(byte[] Keys) : ReaderEvent
{
    public const byte Enter = 0x0D;

    public override ReplyPlan ToReply() => new(ReplyCode.Keypad, [ReaderNumber, (byte)Keys.Length, .. Keys]);
}

/// <summary>The inputs as they were at a change, for an unsolicited osdp_ISTATR: [0] door contact (1 = open), [1] REX (1 = pressed).</summary>
internal sealed record InputReport(byte[] Inputs) : ReaderEvent
{
    public override ReplyPlan ToReply() => new(ReplyCode.InputStatus, Inputs);
}

/// <summary>A reply to send, and what to change once it is built (COMSET and KEYSET take effect after their reply).</summary>
internal sealed record ReplyPlan(byte Code, byte[] Data, Action? AfterReply = null)
{
    public static ReplyPlan Ack { get; } = new(ReplyCode.Ack, []);

    public static ReplyPlan Nak(NakCode code) => new(ReplyCode.Nak, [(byte)code]);
}
