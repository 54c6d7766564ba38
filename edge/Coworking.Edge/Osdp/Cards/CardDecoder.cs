using Coworking.Edge.Osdp.Replies;

namespace Coworking.Edge.Osdp.Cards;

/// <summary>Why card data did not become a presentation.</summary>
public enum CardRejectReason
{
    /// <summary>H10301 parity bits do not match the data: a misread, never a presentation.</summary>
    ParityError,

    /// <summary>No bits, or more than 64 bits of a format this edge does not decode.</summary>
    UnsupportedBitCount,

    /// <summary>osdp_FMT characters that are not a decimal number that fits 64 bits.</summary>
    NotDecimalDigits,
}

/// <summary>Turns osdp_RAW and osdp_FMT card data into a <see cref="CardRead"/>, or says why it cannot.</summary>
public static class CardDecoder
{
    public const int H10301Bits = 26;
    private const int MaxRawBits = 64;

    public static bool TryDecode(RawCardReply raw, out CardRead? card, out CardRejectReason reason)
    {
        ArgumentNullException.ThrowIfNull(raw);
        return TryDecodeBits(raw.BitCount, raw.Bits.Span, out card, out reason);
    }

    /// <summary>Decodes <paramref name="bitCount"/> bits packed first bit in the most significant bit of the first byte.</summary>
    public static bool TryDecodeBits(int bitCount, ReadOnlySpan<byte> bits, out CardRead? card, out CardRejectReason reason)
    {
        card = null;
        reason = CardRejectReason.UnsupportedBitCount;
        if (bitCount <= 0 || bitCount > MaxRawBits || bits.Length < (bitCount + 7) / 8)
        {
            return false;
        }

        ulong value = 0;
        for (var i = 0; i < bitCount; i++)
        {
            value = (value << 1) | (uint)((bits[i / 8] >> (7 - (i % 8))) & 1);
        }

        if (bitCount != H10301Bits)
        {
            card = new CardRead(CardFormat.RawBits, bitCount, value);
            return true;
        }

        // Bit 1 (the most significant) makes bits 1-13 even; bit 26 makes bits 14-26 odd.
        var leadingOnes = ulong.PopCount(value >> 13);
        var trailingOnes = ulong.PopCount(value & 0x1FFF);
        if (leadingOnes % 2 != 0 || trailingOnes % 2 != 1)
        {
            reason = CardRejectReason.ParityError;
            return false;
        }

        var payload = (value >> 1) & 0xFF_FFFF;
        card = new CardRead(CardFormat.H10301, H10301Bits, payload, (int)(payload >> 16), (int)(payload & 0xFFFF));
        return true;
    }

    public static bool TryDecode(FormattedCardReply formatted, out CardRead? card, out CardRejectReason reason)
    {
        ArgumentNullException.ThrowIfNull(formatted);
        card = null;
        reason = CardRejectReason.NotDecimalDigits;
        var characters = formatted.Characters;
        if (characters.Length == 0 || !characters.All(char.IsAsciiDigit) || !ulong.TryParse(characters, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        card = new CardRead(CardFormat.Formatted, 0, number);
        return true;
    }

    /// <summary>Packs an H10301 credential with correct parity, as a reader would send it (for tests and simulators).</summary>
    public static byte[] EncodeH10301(int facilityCode, int cardNumber)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)facilityCode, 0xFFu, nameof(facilityCode));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)cardNumber, 0xFFFFu, nameof(cardNumber));
        var payload = ((ulong)facilityCode << 16) | (uint)cardNumber;
        var value = payload << 1;
        if (ulong.PopCount(value >> 13) % 2 != 0)
        {
            value |= 1UL << 25;
        }

        if (ulong.PopCount(value & 0x1FFF) % 2 == 0)
        {
            value |= 1;
        }

        var shifted = value << 6;
        return [(byte)(shifted >> 24), (byte)(shifted >> 16), (byte)(shifted >> 8), (byte)shifted];
    }
}
