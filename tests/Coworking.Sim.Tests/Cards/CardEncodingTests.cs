using Coworking.Sim.Cards;

namespace Coworking.Sim.Tests.Cards;

public class CardEncodingTests
{
    [Theory]
    // facility 123 = 01111011, card 45678 = 1011001001101110; first 12 data bits hold nine ones -> even parity 1,
    // last 12 hold six ones -> odd parity 1.
    [InlineData("123:45678", "1" + "01111011" + "1011001001101110" + "1")]
    // facility 1, card 1: one 1 in each half -> even parity 1, odd parity 0.
    [InlineData("1:1", "1" + "00000001" + "0000000000000001" + "0")]
    // all zeros: even parity 0, odd parity 1.
    [InlineData("0:0", "0" + "00000000" + "0000000000000000" + "1")]
    [InlineData("255:65535", "0" + "11111111" + "1111111111111111" + "1")]
    public void Facility_and_number_become_26_bit_h10301_with_both_parity_bits(string card, string bits)
    {
        Assert.True(CardEncoding.TryParseCard(card, out var read, out _));

        Assert.Equal(26, read.BitCount);
        Assert.Equal(0x01, read.Format);
        Assert.Equal(bits, Bits(read.Data, read.BitCount));
        Assert.Equal(0, read.Data[^1] & 0x3F);
    }

    [Theory]
    [InlineData("12345678", 32, "00BC614E")]
    [InlineData("0", 32, "00000000")]
    [InlineData("4294967295", 32, "FFFFFFFF")]
    [InlineData("4294967296", 40, "0100000000")]
    [InlineData("123456789012", 40, "1CBE991A14")]
    public void Plain_digits_become_the_smallest_whole_bytes_of_at_least_32_bits(string card, int bitCount, string hex)
    {
        Assert.True(CardEncoding.TryParseCard(card, out var read, out _));

        Assert.Equal(bitCount, read.BitCount);
        Assert.Equal(hex, Convert.ToHexString(read.Data));
    }

    [Fact]
    public void Bits_go_out_exactly_as_given_padded_at_the_end()
    {
        Assert.True(CardEncoding.TryParseBits("10111", out var read, out _));

        Assert.Equal(5, read.BitCount);
        Assert.Equal([0xB8], read.Data);
    }

    [Theory]
    [InlineData("")]
    [InlineData("12a")]
    [InlineData("-5")]
    [InlineData("256:1")]
    [InlineData("1:65536")]
    [InlineData("1:2:3")]
    [InlineData(":5")]
    [InlineData("12345678901234567890123456789012345678901")]
    public void Card_text_that_is_not_a_card_is_refused_with_a_reason(string card)
    {
        Assert.False(CardEncoding.TryParseCard(card, out _, out var error));
        Assert.NotEmpty(error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("12#")]
    [InlineData("12345678901234567")]
    public void Pin_must_be_digits(string pin)
    {
        Assert.False(CardEncoding.TryParsePin(pin, out _, out _));
    }

    private static string Bits(byte[] data, int count) =>
        string.Concat(Enumerable.Range(0, count).Select(i => (data[i / 8] >> (7 - (i % 8)) & 1) == 1 ? '1' : '0'));
}
