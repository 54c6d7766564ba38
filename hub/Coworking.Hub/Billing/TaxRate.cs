namespace Coworking.Hub.Billing;

/// <summary>
/// A tax of a location's jurisdiction (VAT, GST, sales tax) in parts per million of the net amount
/// (200000 = 20 %; 88750 = New York City's 8.875 %, which basis points cannot say). Inclusive: prices
/// already contain it (UK VAT on consumer prices); exclusive: it is added on top (US sales tax).
/// </summary>
public sealed record TaxRate(string Name, int PartsPerMillion, bool Inclusive)
{
    public const int Million = 1_000_000;

    public static readonly TaxRate None = new("No tax", 0, Inclusive: false);

    /// <summary>
    /// Splits a line's amount into net, tax and gross, rounded per line half away from zero. Exclusive: the
    /// amount is net, tax = net × rate. Inclusive: the amount is gross, net = gross ÷ (1 + rate), tax = gross − net,
    /// so an inclusive line's gross is exactly the price the member saw.
    /// </summary>
    public TaxedAmount Apply(Money amount)
    {
        if (PartsPerMillion is < 0 or > Million)
        {
            throw new InvalidOperationException($"Tax rate {Name} of {PartsPerMillion} parts per million is outside 0-{Million} (0-100 %).");
        }

        if (Inclusive)
        {
            var net = amount.MultiplyBy(Million, Million + PartsPerMillion);
            return new TaxedAmount(net, amount - net, amount);
        }

        var tax = amount.MultiplyBy(PartsPerMillion, Million);
        return new TaxedAmount(amount, tax, amount + tax);
    }
}

public readonly record struct TaxedAmount(Money Net, Money Tax, Money Gross);
