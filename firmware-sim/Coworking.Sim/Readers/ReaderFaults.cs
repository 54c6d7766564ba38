namespace Coworking.Sim.Readers;

/// <summary>
/// Misbehaviour on demand. NoReply: commands are ignored (a dead reader). BadCrc: replies go out with a broken
/// check. SlowReplyMs: each reply waits that long. Garbage: 8–32 noise bytes (never 0x53) precede each reply.
/// Busy: every command is answered with osdp_BUSY and not processed.
/// </summary>
internal sealed record ReaderFaults(bool NoReply, bool BadCrc, int SlowReplyMs, bool Garbage, bool Busy)
{
    public const int MaxSlowReplyMs = 10_000;

    public static ReaderFaults None { get; } = new(false, false, 0, false, false);
}
