using System.Globalization;
using Coworking.Hub.Billing;
using Coworking.Hub.Web.Console.Doors;

namespace Coworking.Hub.Web.Console.Billing;

/// <summary>How the billing pages word an invoice's status, a payment method and a member's dunning state.</summary>
internal static class BillingText
{
    public static string Status(InvoiceStatus status, InvoiceKind kind, DateTimeOffset dueAt, DateTimeOffset now) => (status, kind) switch
    {
        (_, InvoiceKind.CreditNote) => "Credit note",
        (InvoiceStatus.Open, _) when dueAt < now => "Overdue",
        (InvoiceStatus.Open, _) => "Open",
        (InvoiceStatus.Paid, _) => "Paid",
        _ => "Credited",
    };

    public static string Method(PaymentMethodKind method) => method switch
    {
        PaymentMethodKind.Card => "Card",
        PaymentMethodKind.BankTransfer => "Bank transfer",
        _ => "Cash",
    };

    public static string Amount(long minor, string currency) => new Money(minor, currency).ToString();

    /// <summary>A minor-unit amount from what an operator types in major units ("12.50"), or null when it is not one.</summary>
    public static long? Minor(string? text, string currency)
    {
        if (string.IsNullOrWhiteSpace(text)
            || !decimal.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var major))
        {
            return null;
        }

        var scaled = major * (decimal)Math.Pow(10, Money.MinorDigits(currency));
        return scaled == decimal.Truncate(scaled) && scaled <= Money.MaxMinor ? (long)scaled : null;
    }

    /// <summary>One sentence on where collecting from the member stands.</summary>
    public static string Dunning(DunningState state, int suspendAfter, DateTimeOffset now, string timeZone)
    {
        if (state.SuspendedByDunning)
        {
            return $"Suspended for non-payment: {state.OpenInvoices} open invoice(s), {Amount(state.OwedMinor, state.Currency)} owed; paying or crediting them reactivates the member.";
        }

        if (state.OpenInvoices == 0)
        {
            return "In good standing: nothing is open.";
        }

        var owed = $"{state.OpenInvoices} open invoice(s), {Amount(state.OwedMinor, state.Currency)} owed";
        if (state.FailedAttempts > 0)
        {
            var next = state.NextAttemptAt is { } at ? $", next card attempt {DoorText.At(at, timeZone)}" : "";
            return $"Retrying: {owed}; {state.FailedAttempts} of {suspendAfter} card attempts failed{next}; suspended after {suspendAfter}.";
        }

        if (state.OldestDueAt is { } due && due < now)
        {
            return $"Overdue since {DoorText.At(due, timeZone)}: {owed}{(state.CardSaved ? "" : "; no card saved, so it is paid by bank transfer or cash")}.";
        }

        return $"Open: {owed}, not yet due{(state.CardSaved ? "; the saved card is charged when it is" : "")}.";
    }
}
