namespace Coworking.Edge.Osdp.Framing;

/// <summary>Why bytes or a frame from the bus were not acted on. Every reject is counted under one reason.</summary>
public enum OsdpRejectReason
{
    /// <summary>A run of bytes before a start of message (idle 0xFF fill is not counted).</summary>
    Garbage,

    /// <summary>LEN too short for the header, code and check character, or inconsistent with the security block.</summary>
    BadLength,

    /// <summary>LEN above the largest frame the control panel accepts.</summary>
    Oversize,

    /// <summary>CRC-16 mismatch.</summary>
    BadCrc,

    /// <summary>8-bit checksum mismatch.</summary>
    BadChecksum,

    /// <summary>Security block malformed, missing when the secure channel is up, or present when it should not be.</summary>
    BadSecurityBlock,

    /// <summary>A frame that was still incomplete when the reply deadline passed.</summary>
    Truncated,

    /// <summary>A command frame (no reply bit) that is not the echo of our own transmission.</summary>
    NotAReply,

    /// <summary>A reply from an address other than the one polled.</summary>
    UnexpectedAddress,

    /// <summary>A reply whose sequence number does not match the command in flight.</summary>
    BadSequence,

    /// <summary>A reply to an earlier command that arrived after its deadline.</summary>
    LateReply,

    /// <summary>A secure-channel reply whose MAC or encrypted data did not verify.</summary>
    BadMac,

    /// <summary>A reply whose data does not fit its reply code.</summary>
    MalformedReply,

    /// <summary>A well-formed reply that does not answer the command in flight.</summary>
    UnexpectedReply,
}
