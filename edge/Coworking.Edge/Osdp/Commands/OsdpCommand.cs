using System.Diagnostics.CodeAnalysis;

namespace Coworking.Edge.Osdp.Commands;

/// <summary>Command codes (CP to PD) of SIA OSDP 2.2 that this control panel sends.</summary>
public static class CommandCode
{
    public const byte Poll = 0x60;
    public const byte Id = 0x61;
    public const byte Capabilities = 0x62;
    public const byte LocalStatus = 0x64;
    public const byte InputStatus = 0x65;
    public const byte OutputStatus = 0x66;
    public const byte Output = 0x68;
    public const byte Led = 0x69;
    public const byte Buzzer = 0x6A;
    public const byte ComSet = 0x6E;
    public const byte KeySet = 0x75;
    public const byte Challenge = 0x76;
    public const byte ServerCryptogram = 0x77;
}

/// <summary>
/// A command as a record: its code and the data bytes that follow the code in the frame. Decoding is for the
/// PD side (tests, simulators) and never throws: data that does not fit the code gives no command.
/// </summary>
public abstract record OsdpCommand
{
    public abstract byte Code { get; }

    public abstract byte[] EncodeData();

    public static bool TryDecode(byte code, ReadOnlySpan<byte> data, [NotNullWhen(true)] out OsdpCommand? command)
    {
        command = code switch
        {
            CommandCode.Poll => data.IsEmpty ? new PollCommand() : null,
            CommandCode.Id => data.Length == 1 ? new IdCommand(data[0]) : null,
            CommandCode.Capabilities => data.Length == 1 ? new CapabilitiesCommand(data[0]) : null,
            CommandCode.LocalStatus => data.IsEmpty ? new LocalStatusCommand() : null,
            CommandCode.InputStatus => data.IsEmpty ? new InputStatusCommand() : null,
            CommandCode.OutputStatus => data.IsEmpty ? new OutputStatusCommand() : null,
            CommandCode.Output => OutputCommand.Decode(data),
            CommandCode.Led => LedCommand.Decode(data),
            CommandCode.Buzzer => BuzzerCommand.Decode(data),
            CommandCode.ComSet => ComSetCommand.Decode(data),
            CommandCode.KeySet => KeySetCommand.Decode(data),
            CommandCode.Challenge => data.Length == ChallengeCommand.RandomLength ? new ChallengeCommand(data.ToArray()) : null,
            CommandCode.ServerCryptogram => data.Length == ServerCryptogramCommand.CryptogramLength ? new ServerCryptogramCommand(data.ToArray()) : null,
            _ => null,
        };
        return command is not null;
    }
}

/// <summary>osdp_POLL: anything to report?</summary>
public sealed record PollCommand : OsdpCommand
{
    public override byte Code => CommandCode.Poll;

    public override byte[] EncodeData() => [];
}

/// <summary>osdp_ID: send your PD ID block (report type 0 = standard).</summary>
public sealed record IdCommand(byte ReportType = 0) : OsdpCommand
{
    public override byte Code => CommandCode.Id;

    public override byte[] EncodeData() => [ReportType];
}

/// <summary>osdp_CAP: send your capabilities (report type 0 = standard).</summary>
public sealed record CapabilitiesCommand(byte ReportType = 0) : OsdpCommand
{
    public override byte Code => CommandCode.Capabilities;

    public override byte[] EncodeData() => [ReportType];
}

/// <summary>osdp_LSTAT: tamper and power status.</summary>
public sealed record LocalStatusCommand : OsdpCommand
{
    public override byte Code => CommandCode.LocalStatus;

    public override byte[] EncodeData() => [];
}

/// <summary>osdp_ISTAT: state of every input.</summary>
public sealed record InputStatusCommand : OsdpCommand
{
    public override byte Code => CommandCode.InputStatus;

    public override byte[] EncodeData() => [];
}

/// <summary>osdp_OSTAT: state of every output.</summary>
public sealed record OutputStatusCommand : OsdpCommand
{
    public override byte Code => CommandCode.OutputStatus;

    public override byte[] EncodeData() => [];
}
