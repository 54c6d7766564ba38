namespace Coworking.Edge.Osdp.Commands;

/// <summary>What an osdp_OUT record asks of one output.</summary>
public enum OutputControlCode : byte
{
    Nop = 0x00,
    PermanentOffAbortTimed = 0x01,
    PermanentOnAbortTimed = 0x02,
    PermanentOffAllowTimed = 0x03,
    PermanentOnAllowTimed = 0x04,
    TemporaryOnThenOff = 0x05,
    TemporaryOffThenOn = 0x06,
}

/// <summary>One output record: output number, control code, timer in units of 100 ms.</summary>
public sealed record OutputControl(byte Output, OutputControlCode ControlCode, ushort Timer100Ms);

/// <summary>osdp_OUT: one or more 4-byte output records.</summary>
public sealed record OutputCommand(IReadOnlyList<OutputControl> Outputs) : OsdpCommand
{
    private const int RecordLength = 4;

    public override byte Code => CommandCode.Output;

    public override byte[] EncodeData()
    {
        var data = new byte[Outputs.Count * RecordLength];
        for (var i = 0; i < Outputs.Count; i++)
        {
            var o = Outputs[i];
            var at = i * RecordLength;
            data[at] = o.Output;
            data[at + 1] = (byte)o.ControlCode;
            data[at + 2] = (byte)o.Timer100Ms;
            data[at + 3] = (byte)(o.Timer100Ms >> 8);
        }

        return data;
    }

    internal static OutputCommand? Decode(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty || data.Length % RecordLength != 0)
        {
            return null;
        }

        var outputs = new OutputControl[data.Length / RecordLength];
        for (var i = 0; i < outputs.Length; i++)
        {
            var r = data.Slice(i * RecordLength, RecordLength);
            outputs[i] = new OutputControl(r[0], (OutputControlCode)r[1], (ushort)(r[2] | (r[3] << 8)));
        }

        return new OutputCommand(outputs);
    }
}
