using System.Buffers.Binary;

namespace Coworking.Edge.Osdp.Replies;

/// <summary>osdp_PDID: vendor (IEEE OUI, 3 bytes), model, version, serial number, firmware major.minor.build.</summary>
public sealed record PdIdReply(int VendorCode, byte Model, byte Version, uint SerialNumber, byte FirmwareMajor, byte FirmwareMinor, byte FirmwareBuild) : OsdpReply
{
    private const int DataLength = 12;

    public override byte Code => ReplyCode.PdId;

    public string Vendor => $"{VendorCode & 0xFF:X2}-{(VendorCode >> 8) & 0xFF:X2}-{(VendorCode >> 16) & 0xFF:X2}";

    public string Firmware => $"{FirmwareMajor}.{FirmwareMinor}.{FirmwareBuild}";

    public override byte[] EncodeData()
    {
        var data = new byte[DataLength];
        data[0] = (byte)VendorCode;
        data[1] = (byte)(VendorCode >> 8);
        data[2] = (byte)(VendorCode >> 16);
        data[3] = Model;
        data[4] = Version;
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(5), SerialNumber);
        data[9] = FirmwareMajor;
        data[10] = FirmwareMinor;
        data[11] = FirmwareBuild;
        return data;
    }

    internal static PdIdReply? Decode(ReadOnlySpan<byte> data) => data.Length == DataLength
        ? new PdIdReply(data[0] | (data[1] << 8) | (data[2] << 16), data[3], data[4], BinaryPrimitives.ReadUInt32LittleEndian(data[5..]), data[9], data[10], data[11])
        : null;
}

/// <summary>Capability function codes of osdp_PDCAP.</summary>
public enum CapabilityFunction : byte
{
    ContactStatusMonitoring = 1,
    OutputControl = 2,
    CardDataFormat = 3,
    ReaderLedControl = 4,
    ReaderAudibleOutput = 5,
    ReaderTextOutput = 6,
    TimeKeeping = 7,
    CheckCharacterSupport = 8,
    CommunicationSecurity = 9,
    ReceiveBufferSize = 10,
    LargestCombinedMessageSize = 11,
    SmartCardSupport = 12,
    Readers = 13,
    Biometrics = 14,
    SecurePinEntry = 15,
    OsdpVersion = 16,
}

/// <summary>One capability: function, compliance level, number of items.</summary>
public sealed record PdCapability(CapabilityFunction Function, byte Compliance, byte Items);

/// <summary>osdp_PDCAP: the PD's capabilities, 3 bytes each.</summary>
public sealed record PdCapabilitiesReply(IReadOnlyList<PdCapability> Capabilities) : OsdpReply
{
    public override byte Code => ReplyCode.PdCapabilities;

    /// <summary>Check character support, compliance 1: the PD understands CRC-16 (absent: assume it does).</summary>
    public bool SupportsCrc => Find(CapabilityFunction.CheckCharacterSupport) is not { } c || (c.Compliance & 0x01) != 0;

    /// <summary>Communication security, compliance bit 0: AES-128 secure channel.</summary>
    public bool SupportsSecureChannel => Find(CapabilityFunction.CommunicationSecurity) is { } c && (c.Compliance & 0x01) != 0;

    public int Inputs => Find(CapabilityFunction.ContactStatusMonitoring)?.Items ?? 0;

    public int Outputs => Find(CapabilityFunction.OutputControl)?.Items ?? 0;

    public PdCapability? Find(CapabilityFunction function) => Capabilities.FirstOrDefault(c => c.Function == function);

    public override byte[] EncodeData() => [.. Capabilities.SelectMany(c => new[] { (byte)c.Function, c.Compliance, c.Items })];

    internal static PdCapabilitiesReply? Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length % 3 != 0)
        {
            return null;
        }

        var capabilities = new PdCapability[data.Length / 3];
        for (var i = 0; i < capabilities.Length; i++)
        {
            capabilities[i] = new PdCapability((CapabilityFunction)data[i * 3], data[(i * 3) + 1], data[(i * 3) + 2]);
        }

        return new PdCapabilitiesReply(capabilities);
    }
}

/// <summary>osdp_COM: the address and baud rate the PD will use from now on.</summary>
public sealed record ComReply(byte Address, int BaudRate) : OsdpReply
{
    public override byte Code => ReplyCode.Com;

    public override byte[] EncodeData()
    {
        var data = new byte[5];
        data[0] = Address;
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(1), BaudRate);
        return data;
    }

    internal static ComReply? Decode(ReadOnlySpan<byte> data) =>
        data.Length == 5 ? new ComReply(data[0], BinaryPrimitives.ReadInt32LittleEndian(data[1..])) : null;
}
