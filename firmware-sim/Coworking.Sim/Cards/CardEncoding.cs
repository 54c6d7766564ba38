using System.Globalization;
using System.Numerics;
using Coworking.Sim.Readers;

namespace Coworking.Sim.Cards;

/// <summary>
/// Turns what the control API is given into what a reader puts on the wire:
/// "facility:number" → 26-bit HID H10301 (even parity over the first 12 data bits, facility 8 bits, number 16 bits,
/// odd parity over the last 12); plain digits → the number as an unsigned big-endian bit string of the smallest
/// multiple of 8 bits, at least 32, that holds it (no parity bits); "bits" → exactly those bits.
/// All go out as osdp_RAW format 0x01, bits MSB first.
/// </summary>
internal static class CardEncoding
{
    public const int MaxDigits = 40;
    public const int MaxBits = 1024;
    public const int MaxPinLength = 16;
    private const int MinRawBits = 32;

    public static bool TryParseCard(string text, out CardRead card, out string error)
    {
        card = null!;
        var parts = text.Split(':');
        if (parts.Length == 2)
        {
            if (IsDigits(parts[0], 3) && IsDigits(parts[1], 5)
                && byte.TryParse(parts[0], CultureInfo.InvariantCulture, out var facility)
                && ushort.TryParse(parts[1], CultureInfo.InvariantCulture, out var number))
            {
                card = H10301(facility, number);
                error = string.Empty;
                return true;
            }

            error = "facility:number needs a facility code 0-255 and a card number 0-65535 (26-bit H10301)";
            return false;
        }

        if (parts.Length != 1 || !IsDigits(text, MaxDigits))
        {
            error = $"a card is 1-{MaxDigits} digits, or facility:number for a 26-bit H10301 card";
            return false;
        }

        card = RawNumber(BigInteger.Parse(text, CultureInfo.InvariantCulture));
        error = string.Empty;
        return true;
    }

    public static bool TryParseBits(string text, out CardRead card, out string error)
    {
        card = null!;
        if (text.Length is 0 or > MaxBits || text.Any(c => c is not ('0' or '1')))
        {
            error = $"bits is a string of 1-{MaxBits} characters '0' and '1'";
            return false;
        }

        card = FromBits(text.Select(c => c == '1').ToArray());
        error = string.Empty;
        return true;
    }

    public static bool TryParsePin(string text, out KeypadEntry entry, out string error)
    {
        entry = null!;
        if (!IsDigits(text, MaxPinLength))
        {
            error = $"a PIN is 1-{MaxPinLength} digits";
            return false;
        }

        entry = new KeypadEntry([.. text.Select(c => (byte)c), KeypadEntry.Enter]);
        error = string.Empty;
        return true;
    }

    public static CardRead H10301(byte facility, ushort number)
    {
        var data = new bool[24];
        for (var i = 0; i < 8; i++)
        {
            data[i] = (facility >> (7 - i) & 1) == 1;
        }

        for (var i = 0; i < 16; i++)
        {
            data[8 + i] = (number >> (15 - i) & 1) == 1;
        }

        var leadingEven = data[..12].Count(b => b) % 2 == 1;
        var trailingOdd = data[12..].Count(b => b) % 2 == 0;
        return FromBits([leadingEven, .. data, trailingOdd]);
    }

    public static CardRead RawNumber(BigInteger number)
    {
        var bitLength = (int)number.GetBitLength();
        var bitCount = Math.Max(MinRawBits, (bitLength + 7) / 8 * 8);
        var bytes = number.ToByteArray(isUnsigned: true, isBigEndian: true);
        var data = new byte[bitCount / 8];
        bytes.CopyTo(data, data.Length - bytes.Length);
        return new CardRead(CardRead.WiegandFormat, bitCount, data);
    }

    private static CardRead FromBits(bool[] bits)
    {
        var data = new byte[(bits.Length + 7) / 8];
        for (var i = 0; i < bits.Length; i++)
        {
            if (bits[i])
            {
                data[i / 8] |= (byte)(0x80 >> (i % 8));
            }
        }

        return new CardRead(CardRead.WiegandFormat, bits.Length, data);
    }

    private static bool IsDigits(string text, int maxLength) =>
        text.Length > 0 && text.Length <= maxLength && text.All(char.IsAsciiDigit);
}
