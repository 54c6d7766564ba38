using Coworking.Hub.Billing;

namespace Coworking.Hub.Tests.Billing;

public sealed class TaxTests
{
    private static readonly TaxRate UkVat = new("VAT 20%", 200_000, Inclusive: true);
    private static readonly TaxRate UkVatOnTop = new("VAT 20%", 200_000, Inclusive: false);
    private static readonly TaxRate NewYorkCity = new("NYC sales tax 8.875%", 88_750, Inclusive: false);
    private static readonly TaxRate Zero = new("Zero-rated", 0, Inclusive: true);

    [Fact]
    public void Exclusive_tax_is_added_on_top_of_the_price()
    {
        Assert.Equal(new TaxedAmount(Gbp(10000), Gbp(2000), Gbp(12000)), UkVatOnTop.Apply(Gbp(10000)));
        Assert.Equal(new TaxedAmount(Usd(4999), Usd(444), Usd(5443)), NewYorkCity.Apply(Usd(4999)));
    }

    [Fact]
    public void Inclusive_tax_is_taken_out_of_the_price_the_member_saw()
    {
        Assert.Equal(new TaxedAmount(Gbp(10000), Gbp(2000), Gbp(12000)), UkVat.Apply(Gbp(12000)));
        // 9.99 / 1.2 = 8.325 → 8.33 net, 1.66 tax: the gross stays 9.99.
        Assert.Equal(new TaxedAmount(Gbp(833), Gbp(166), Gbp(999)), UkVat.Apply(Gbp(999)));
    }

    [Fact]
    public void Credits_are_taxed_like_charges_with_the_sign_turned()
    {
        Assert.Equal(new TaxedAmount(Gbp(-833), Gbp(-166), Gbp(-999)), UkVat.Apply(Gbp(-999)));
    }

    [Fact]
    public void Invoice_shows_tax_per_line_and_sums_it_per_rate_so_lines_and_totals_agree()
    {
        var totals = InvoiceTotals.Of("GBP",
        [
            new LineInput("Hot desk, November", 1, Gbp(30000), UkVat),
            new LineInput("Meeting room overage", 3, Gbp(2500), UkVat),
            new LineInput("Printing credits", 2, Gbp(999), UkVat),
            new LineInput("Postage (zero-rated)", 1, Gbp(150), Zero),
        ]);

        Assert.Equal([Gbp(5000), Gbp(1250), Gbp(333), Gbp(0)], totals.Lines.Select(l => l.Amounts.Tax));
        var vat = totals.ByRate[0];
        Assert.Equal((UkVat, Gbp(32915), Gbp(6583), Gbp(39498)), (vat.Rate, vat.Net, vat.Tax, vat.Gross));
        Assert.Equal((Gbp(33065), Gbp(6583), Gbp(39648)), (totals.Net, totals.Tax, totals.Gross));
    }

    [Fact]
    public void Amounts_in_two_currencies_never_add_up()
    {
        Assert.Throws<InvalidOperationException>(() => Gbp(1) + Usd(1));
        Assert.Throws<InvalidOperationException>(() => InvoiceTotals.Of("GBP", [new LineInput("Day pass", 1, Usd(2500), NewYorkCity)]));
    }

    [Theory]
    [InlineData(123456, "GBP", "GBP 1,234.56")]
    [InlineData(1200, "JPY", "JPY 1,200")]
    [InlineData(-1500, "KWD", "KWD -1.500")]
    public void Amounts_print_with_the_currencys_own_minor_digits(long minor, string currency, string printed) =>
        Assert.Equal(printed, new Money(minor, currency).ToString());

    private static Money Gbp(long minor) => new(minor, "GBP");

    private static Money Usd(long minor) => new(minor, "USD");
}
