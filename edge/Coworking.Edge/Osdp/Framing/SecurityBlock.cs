namespace Coworking.Edge.Osdp.Framing;

/// <summary>
/// The optional security control block after the CTRL byte: a length byte (2 + data), a type and data.
/// Types 0x11-0x14 carry the secure channel handshake; 0x15-0x18 mark a message that carries a MAC.
/// </summary>
public sealed record SecurityBlock(byte Type, ReadOnlyMemory<byte> Data)
{
    public int Length => 2 + Data.Length;

    public bool CarriesMac => SecurityBlockType.CarriesMac(Type);
}

/// <summary>Security block types (SCS_11..SCS_18) of SIA OSDP 2.2 annex D.</summary>
public static class SecurityBlockType
{
    /// <summary>CP to PD: osdp_CHLNG, the CP's random number.</summary>
    public const byte Scs11 = 0x11;

    /// <summary>PD to CP: osdp_CCRYPT, the PD's random number and client cryptogram.</summary>
    public const byte Scs12 = 0x12;

    /// <summary>CP to PD: osdp_SCRYPT, the server cryptogram.</summary>
    public const byte Scs13 = 0x13;

    /// <summary>PD to CP: osdp_RMAC_I, the initial reply MAC.</summary>
    public const byte Scs14 = 0x14;

    /// <summary>CP to PD: MAC, data (if any) in clear.</summary>
    public const byte Scs15 = 0x15;

    /// <summary>PD to CP: MAC, data (if any) in clear.</summary>
    public const byte Scs16 = 0x16;

    /// <summary>CP to PD: MAC, data encrypted.</summary>
    public const byte Scs17 = 0x17;

    /// <summary>PD to CP: MAC, data encrypted.</summary>
    public const byte Scs18 = 0x18;

    public static bool CarriesMac(byte type) => type is >= Scs15 and <= Scs18;

    public static bool IsEncrypted(byte type) => type is Scs17 or Scs18;
}
