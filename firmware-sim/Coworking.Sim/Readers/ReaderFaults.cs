namespace Coworking.Sim.Readers;

/// <summary>
/// Misbehaviour on demand. NoReply: commands are ignored (a dead reader). BadCrc: replies go out with a broken
/// check. SlowReplyMs: each reply waits that long. Garbage: 8–32 noise bytes (never 0x53) precede each reply.
/// Busy: every command is answered with osdp_BUSY and not processed. WrongSecurityBlockType: replies inside the
/// secure session carry this security block type (e.g. 0x15) instead of SCS_16/SCS_18, their MAC computed as
/// usual (a field finding: such a reader's replies all arrive and are all refused); null = off.
/// </summary>
internal sealed record ReaderFaults(bool NoReply, bool BadCrc, int SlowReplyMs, bool Garbage, bool Busy, byte? WrongSecurityBlockType = null)
{
    public const int MaxSlowReplyMs = 10_000;

    public static ReaderFaults None { get; } = new(false, false, 0, false, false);
}
