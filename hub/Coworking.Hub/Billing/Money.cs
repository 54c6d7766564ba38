using System.Globalization;

namespace Coworking.Hub.Billing;

/// <summary>
/// An amount of money in integer minor units (pence, cents) of one ISO 4217 currency. Arithmetic across
/// currencies is refused: nothing in billing converts currencies.
/// </summary>
public readonly record struct Money
{
    public Money(long minor, string currency)
    {
        if (!IsCurrencyCode(currency))
        {
            throw new ArgumentException($"'{currency}' is not an ISO 4217 currency code (three upper-case letters).", nameof(currency));
        }

        Minor = minor;
        Currency = currency;
    }

    public long Minor { get; }

    public string Currency { get; }

    /// <summary>
    /// The largest amount the API takes for one price, charge or credit line: 1,000,000,000 minor units (10 million in a
    /// two-decimal currency), so sums over quantities and invoices stay far inside a long.
    /// </summary>
    public const long MaxMinor = 1_000_000_000;

    public static Money Zero(string currency) => new(0, currency);

    public static bool IsCurrencyCode(string? code) => code is { Length: 3 } && code.All(char.IsAsciiLetterUpper);

    /// <summary>Digits after the decimal point (ISO 4217): 0 for JPY, 3 for BHD, 2 for most.</summary>
    public static int MinorDigits(string currency) => currency switch
    {
        "BIF" or "CLP" or "DJF" or "GNF" or "ISK" or "JPY" or "KMF" or "KRW" or "PYG" or "RWF" or "UGX" or "UYI" or "VND" or "VUV" or "XAF" or "XOF" or "XPF" => 0,
        "BHD" or "IQD" or "JOD" or "KWD" or "LYD" or "OMR" or "TND" => 3,
        _ => 2,
    };

    public static Money operator +(Money left, Money right) => new(checked(left.Minor + right.Minor), SameCurrency(left, right));

    public static Money operator -(Money left, Money right) => new(checked(left.Minor - right.Minor), SameCurrency(left, right));

    public static Money operator -(Money value) => new(checked(-value.Minor), value.Currency);

    public Money Add(Money other) => this + other;

    public Money Subtract(Money other) => this - other;

    public Money Negate() => -this;

    /// <summary>
    /// This amount × <paramref name="numerator"/> / <paramref name="denominator"/>, rounded half away from zero
    /// to the minor unit: the one rounding rule of billing (docs/BILLING.md).
    /// </summary>
    public Money MultiplyBy(long numerator, long denominator)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(denominator);
        var exact = (decimal)Minor * numerator / denominator;
        return new Money((long)Math.Round(exact, MidpointRounding.AwayFromZero), Currency);
    }

    /// <summary>"GBP 12.50", "JPY 1200": how invoices and e-mails print amounts.</summary>
    public override string ToString()
    {
        var digits = MinorDigits(Currency);
        var major = digits == 0 ? (decimal)Minor : Minor / (decimal)Math.Pow(10, digits);
        return Currency + " " + major.ToString("N" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static string SameCurrency(Money left, Money right) =>
        left.Currency == right.Currency
            ? left.Currency
            : throw new InvalidOperationException($"Cannot combine {left.Currency} and {right.Currency}.");
}
