using System.Globalization;
using Coworking.Hub.Billing;
using Coworking.Hub.Tiers;

namespace Coworking.Hub.Web.Console.Tiers;

/// <summary>How the tier pages word terms, and how they read an amount typed in major units ("150.00").</summary>
internal static class TierText
{
    public static string Kind(TierKind kind) => kind switch
    {
        TierKind.HotDesk => "Hot desk",
        TierKind.DedicatedDesk => "Dedicated desk",
        TierKind.PrivateOffice => "Private office",
        TierKind.Virtual => "Virtual",
        _ => "Day pass",
    };

    public static string Access(TierAccess access) => access switch
    {
        TierAccess.AllHours => "All hours",
        TierAccess.StaffedHours => "Staffed hours",
        _ => "Bookings only",
    };

    public static string Interval(BillingInterval interval) => interval == BillingInterval.Weekly ? "weekly" : "monthly";

    public static string Limit(int? limit) => limit?.ToString(CultureInfo.InvariantCulture) ?? "Unlimited";

    public static string Price(long minor, string currency) => new Money(minor, currency).ToString();

    /// <summary>An amount as typed in the form ("150" or "150.00"), for the edit boxes.</summary>
    public static string Major(long minor, string currency) =>
        (minor / (decimal)Math.Pow(10, Money.MinorDigits(currency))).ToString("F" + Money.MinorDigits(currency).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>"150.00" in <paramref name="currency"/> as minor units, or null when it is not an amount with at most the currency's decimals.</summary>
    public static long? Minor(string? text, string currency)
    {
        if (!decimal.TryParse(text?.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var major))
        {
            return null;
        }

        var scaled = major * (decimal)Math.Pow(10, Money.MinorDigits(currency));
        return scaled == decimal.Truncate(scaled) && scaled <= Money.MaxMinor ? (long)scaled : null;
    }
}
