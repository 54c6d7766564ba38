namespace Coworking.Hub.Billing;

/// <summary>One priced line before tax: what it is, how many, at what unit amount (negative for credits).</summary>
public sealed record LineInput(string Description, int Quantity, Money UnitAmount, TaxRate Tax)
{
    public Money Amount => UnitAmount.MultiplyBy(Quantity, 1);
}

public sealed record PricedLine(LineInput Input, TaxedAmount Amounts);

public sealed record RateTotal(TaxRate Rate, Money Net, Money Tax, Money Gross);

/// <summary>
/// An invoice's arithmetic: each line taxed on its own (so every line shows its tax), then summed per rate and
/// overall. The per-rate sums are sums of the lines, so lines, rate summary and totals always agree to the
/// minor unit.
/// </summary>
public sealed record InvoiceTotals(IReadOnlyList<PricedLine> Lines, IReadOnlyList<RateTotal> ByRate, Money Net, Money Tax, Money Gross)
{
    public static InvoiceTotals Of(string currency, IEnumerable<LineInput> lines)
    {
        var priced = lines.Select(line =>
        {
            if (line.UnitAmount.Currency != currency)
            {
                throw new InvalidOperationException($"Line '{line.Description}' is in {line.UnitAmount.Currency}, the invoice in {currency}.");
            }

            return new PricedLine(line, line.Tax.Apply(line.Amount));
        }).ToList();
        var zero = Money.Zero(currency);
        var byRate = priced
            .GroupBy(l => l.Input.Tax)
            .Select(g => new RateTotal(g.Key,
                g.Aggregate(zero, (sum, l) => sum + l.Amounts.Net),
                g.Aggregate(zero, (sum, l) => sum + l.Amounts.Tax),
                g.Aggregate(zero, (sum, l) => sum + l.Amounts.Gross)))
            .OrderByDescending(r => r.Rate.PartsPerMillion)
            .ThenBy(r => r.Rate.Name, StringComparer.Ordinal)
            .ToList();
        return new InvoiceTotals(priced, byRate,
            byRate.Aggregate(zero, (sum, r) => sum + r.Net),
            byRate.Aggregate(zero, (sum, r) => sum + r.Tax),
            byRate.Aggregate(zero, (sum, r) => sum + r.Gross));
    }
}
