using Coworking.Edge.Osdp.Cards;
using Coworking.Edge.Osdp.Replies;

namespace Coworking.Edge.Tests.Osdp;

public sealed class CardTests
{
    [Fact]
    public void H10301_card_with_good_parity_gives_facility_and_card_number()
    {
        var bits = CardDecoder.EncodeH10301(123, 45678);

        Assert.True(CardDecoder.TryDecode(new RawCardReply(0, 1, 26, bits), out var card, out _));
        Assert.Equal(CardFormat.H10301, card!.Format);
        Assert.Equal(123, card.FacilityCode);
        Assert.Equal(45678, card.CardNumber);
        Assert.Equal((123UL << 16) | 45678, card.Number);
        Assert.Equal("8106606", card.CredentialNumber);
    }

    [Fact]
    public void H10301_bits_match_a_hand_computed_card()
    {
        // Facility 1, card 1: bits 2-13 hold one 1, so bit 1 is 1 (even); bits 14-25 hold one 1, so bit 26 is 0 (odd).
        var bits = CardDecoder.EncodeH10301(1, 1);

        Assert.Equal(Convert.FromHexString("80800080"), bits);
    }

    [Fact]
    public void H10301_card_with_any_single_bit_flipped_is_a_parity_error_not_a_presentation()
    {
        var good = CardDecoder.EncodeH10301(200, 1234);
        for (var bit = 0; bit < 26; bit++)
        {
            var flipped = (byte[])good.Clone();
            flipped[bit / 8] ^= (byte)(0x80 >> (bit % 8));

            Assert.False(CardDecoder.TryDecode(new RawCardReply(0, 1, 26, flipped), out var card, out var reason));
            Assert.Null(card);
            Assert.Equal(CardRejectReason.ParityError, reason);
        }
    }

    [Theory]
    [InlineData(34, "FFFFFFFFC0", 0x3_FFFF_FFFFUL)]
    [InlineData(37, "0000000008", 1UL)]
    [InlineData(8, "A5", 0xA5UL)]
    [InlineData(64, "0123456789ABCDEF", 0x0123_4567_89AB_CDEFUL)]
    public void Other_bit_counts_give_the_raw_big_endian_number(int bitCount, string hex, ulong expected)
    {
        Assert.True(CardDecoder.TryDecode(new RawCardReply(0, 0, bitCount, Convert.FromHexString(hex)), out var card, out _));
        Assert.Equal(CardFormat.RawBits, card!.Format);
        Assert.Equal(bitCount, card.BitCount);
        Assert.Equal(expected, card.Number);
    }

    [Fact]
    public void More_than_64_bits_is_rejected()
    {
        Assert.False(CardDecoder.TryDecode(new RawCardReply(0, 0, 65, new byte[9]), out _, out var reason));
        Assert.Equal(CardRejectReason.UnsupportedBitCount, reason);
    }

    [Fact]
    public void Formatted_digits_become_the_card_number_and_anything_else_is_rejected()
    {
        Assert.True(CardDecoder.TryDecode(new FormattedCardReply(0, 0, "000123456"), out var card, out _));
        Assert.Equal(123456UL, card!.Number);
        Assert.Equal(CardFormat.Formatted, card.Format);

        Assert.False(CardDecoder.TryDecode(new FormattedCardReply(0, 0, "12AB"), out _, out var reason));
        Assert.Equal(CardRejectReason.NotDecimalDigits, reason);
        Assert.False(CardDecoder.TryDecode(new FormattedCardReply(0, 0, "99999999999999999999999"), out _, out _));
    }

    [Fact]
    public void Card_read_text_never_shows_the_number()
    {
        var card = new CardRead(CardFormat.H10301, 26, 8106606, 123, 45678);

        Assert.DoesNotContain("8106606", card.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("45678", card.ToString(), StringComparison.Ordinal);
    }
}

public sealed class KeypadTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 6, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Digits_then_enter_give_one_entry()
    {
        var keypad = new KeypadBuffer(TimeSpan.FromSeconds(5));

        Assert.Empty(keypad.Add("12"u8, Start));
        Assert.Equal(["1234"], keypad.Add([(byte)'3', (byte)'4', KeypadReply.EnterKey], Start.AddSeconds(1)));
        Assert.Equal(0, keypad.Pending);
    }

    [Fact]
    public void Ascii_hash_and_star_work_like_the_spec_codes()
    {
        var keypad = new KeypadBuffer(TimeSpan.FromSeconds(5));

        Assert.Equal(["42"], keypad.Add("9*42#"u8, Start));
    }

    [Fact]
    public void Clear_key_discards_the_digits_typed_so_far()
    {
        var keypad = new KeypadBuffer(TimeSpan.FromSeconds(5));
        keypad.Add("999"u8, Start);

        Assert.Equal(["12"], keypad.Add([KeypadReply.ClearKey, (byte)'1', (byte)'2', KeypadReply.EnterKey], Start.AddSeconds(1)));
    }

    [Fact]
    public void Digits_after_a_pause_longer_than_the_inter_digit_timeout_start_a_new_entry()
    {
        var keypad = new KeypadBuffer(TimeSpan.FromSeconds(5));
        keypad.Add("55"u8, Start);

        Assert.Equal(["78"], keypad.Add("78#"u8, Start.AddSeconds(6)));
    }

    [Fact]
    public void Several_entries_in_one_reply_are_all_reported()
    {
        var keypad = new KeypadBuffer(TimeSpan.FromSeconds(5));

        Assert.Equal(["1", "23"], keypad.Add("1#23#"u8, Start));
    }

    [Fact]
    public void Enter_without_digits_and_function_keys_give_nothing()
    {
        var keypad = new KeypadBuffer(TimeSpan.FromSeconds(5));

        Assert.Empty(keypad.Add("#AB#"u8, Start));
    }

    [Fact]
    public void An_entry_longer_than_any_pin_is_discarded()
    {
        var keypad = new KeypadBuffer(TimeSpan.FromSeconds(5));
        var keys = Enumerable.Repeat((byte)'7', KeypadBuffer.MaxDigits + 1).Append((byte)'#').ToArray();

        Assert.Empty(keypad.Add(keys, Start));
        Assert.Equal(["7"], keypad.Add("7#"u8, Start));
    }
}
