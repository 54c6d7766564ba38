using System.Globalization;

namespace Coworking.Edge.Osdp.Cards;

/// <summary>How a card's number was obtained.</summary>
public enum CardFormat
{
    /// <summary>26-bit HID H10301: even parity, 8-bit facility code, 16-bit card number, odd parity.</summary>
    H10301,

    /// <summary>Any other bit count: the bits as an unsigned big-endian number, parity (if any) included.</summary>
    RawBits,

    /// <summary>osdp_FMT: the PD sent the number as ASCII digits.</summary>
    Formatted,
}

/// <summary>
/// A card presented at a reader. <see cref="Number"/> is what the edge looks credentials up by: for H10301 the
/// 24 bits between the parity bits (facility × 65536 + card number), for other bit counts all the bits, for
/// osdp_FMT the digits. ToString never shows the number: log lines carry only the format and bit count.
/// </summary>
public sealed record CardRead(CardFormat Format, int BitCount, ulong Number, int? FacilityCode = null, int? CardNumber = null)
{
    /// <summary>The credential number as the hub stores it: decimal, no leading zeros.</summary>
    public string CredentialNumber => Number.ToString(CultureInfo.InvariantCulture);

    public override string ToString() => $"CardRead {{ Format = {Format}, BitCount = {BitCount} }}";
}
