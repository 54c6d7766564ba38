namespace Coworking.Edge.Osdp.Framing;

/// <summary>
/// One well-formed OSDP frame as it travelled on the wire: its check character matched and its length and
/// security block were consistent. Whether it answers the command in flight is for the control panel to say.
/// </summary>
public sealed record OsdpFrame
{
    /// <summary>PD address, 0x00-0x7F, without the reply bit.</summary>
    public required byte Address { get; init; }

    /// <summary>True when the address byte had bit 7 set: a PD answering the CP.</summary>
    public required bool IsReply { get; init; }

    /// <summary>Sequence number, CTRL bits 0-1.</summary>
    public required byte Sequence { get; init; }

    /// <summary>True for a CRC-16 frame, false for an 8-bit checksum frame.</summary>
    public required bool UsesCrc { get; init; }

    public SecurityBlock? SecurityBlock { get; init; }

    /// <summary>Command or reply code.</summary>
    public required byte Code { get; init; }

    /// <summary>Data as on the wire: still encrypted when the security block says so.</summary>
    public required ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>The first four bytes of the MAC when the security block carries one; empty otherwise.</summary>
    public ReadOnlyMemory<byte> Mac { get; init; }

    /// <summary>The whole frame, SOM to check character.</summary>
    public required ReadOnlyMemory<byte> Bytes { get; init; }

    /// <summary>The bytes a MAC covers: SOM to the end of the data.</summary>
    public ReadOnlyMemory<byte> Authenticated => Bytes[..(Bytes.Length - (UsesCrc ? 2 : 1) - Mac.Length)];
}
