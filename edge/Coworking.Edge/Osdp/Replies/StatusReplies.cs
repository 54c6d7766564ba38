namespace Coworking.Edge.Osdp.Replies;

/// <summary>osdp_LSTATR: tamper and power failure.</summary>
public sealed record LocalStatusReply(bool Tamper, bool PowerFailure) : OsdpReply
{
    public override byte Code => ReplyCode.LocalStatus;

    public override byte[] EncodeData() => [(byte)(Tamper ? 1 : 0), (byte)(PowerFailure ? 1 : 0)];
}

/// <summary>osdp_ISTATR: one byte per input, non-zero = active.</summary>
public sealed record InputStatusReply(IReadOnlyList<bool> Inputs) : OsdpReply
{
    public override byte Code => ReplyCode.InputStatus;

    public override byte[] EncodeData() => [.. Inputs.Select(active => (byte)(active ? 1 : 0))];
}

/// <summary>osdp_OSTATR: one byte per output, non-zero = on.</summary>
public sealed record OutputStatusReply(IReadOnlyList<bool> Outputs) : OsdpReply
{
    public override byte Code => ReplyCode.OutputStatus;

    public override byte[] EncodeData() => [.. Outputs.Select(on => (byte)(on ? 1 : 0))];
}
