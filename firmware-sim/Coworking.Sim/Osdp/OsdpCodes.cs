namespace Coworking.Sim.Osdp;

/// <summary>Command codes (CP to PD) of SIA OSDP 2.2 this reader knows.</summary>
internal static class CommandCode
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
    public const byte CommunicationSet = 0x6E;
    public const byte KeySet = 0x75;
    public const byte Challenge = 0x76;
    public const byte ServerCryptogram = 0x77;
}

/// <summary>Reply codes (PD to CP).</summary>
internal static class ReplyCode
{
    public const byte Ack = 0x40;
    public const byte Nak = 0x41;
    public const byte Id = 0x45;
    public const byte Capabilities = 0x46;
    public const byte LocalStatus = 0x48;
    public const byte InputStatus = 0x49;
    public const byte OutputStatus = 0x4A;
    public const byte Raw = 0x50;
    public const byte Keypad = 0x53;
    public const byte Communication = 0x54;
    public const byte ClientCryptogram = 0x76;
    public const byte InitialRmac = 0x78;
    public const byte Busy = 0x79;
}

/// <summary>The error code carried by osdp_NAK.</summary>
internal enum NakCode : byte
{
    CheckCharacter = 0x01,
    CommandLength = 0x02,
    UnknownCommand = 0x03,
    UnexpectedSequence = 0x04,
    SecurityBlockNotSupported = 0x05,
    SecurityConditionsNotMet = 0x06,
    UnableToProcessRecord = 0x09,
}

/// <summary>Security control block types (SCS_11 .. SCS_18).</summary>
internal static class SecurityBlockType
{
    public const byte BeginSession = 0x11;
    public const byte ClientCryptogram = 0x12;
    public const byte ServerCryptogram = 0x13;
    public const byte InitialRmac = 0x14;
    public const byte CommandMacOnly = 0x15;
    public const byte ReplyMacOnly = 0x16;
    public const byte CommandEncrypted = 0x17;
    public const byte ReplyEncrypted = 0x18;

    public static bool CarriesMac(byte type) => type is >= CommandMacOnly and <= ReplyEncrypted;
}

/// <summary>Reader LED colours as osdp_LED numbers them.</summary>
internal static class LedColor
{
    private static readonly string[] Names = ["off", "red", "green", "amber", "blue", "magenta", "cyan", "white"];

    public const byte Off = 0;
    public const byte Red = 1;
    public const byte Green = 2;

    public static bool IsKnown(byte color) => color < Names.Length;

    public static string Name(byte color) => IsKnown(color) ? Names[color] : $"color{color}";
}
