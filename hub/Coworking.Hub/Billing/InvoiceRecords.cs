using System.Text.Json.Serialization;

namespace Coworking.Hub.Billing;

public enum InvoiceKind
{
    Invoice,
    CreditNote,
}

public enum InvoiceStatus
{
    /// <summary>Issued and not yet paid in full.</summary>
    Open,

    /// <summary>Paid in full (card, bank transfer, cash), or nothing was due.</summary>
    Paid,

    /// <summary>Cleared by credit notes.</summary>
    Credited,
}

public enum PaymentMethodKind
{
    Card,
    BankTransfer,
    Cash,
}

public sealed record TaxRateTotal(string Name, int PartsPerMillion, bool Inclusive, long NetMinor, long TaxMinor, long GrossMinor);

public sealed record InvoiceLineResponse(
    int Position, string Kind, string Description, int Quantity, long UnitAmountMinor, long NetMinor, long TaxMinor, long GrossMinor,
    string TaxName, int TaxPartsPerMillion, bool TaxInclusive, DateOnly? ServiceStart, DateOnly? ServiceEnd);

/// <summary>Who an invoice was made out to, as they were when it was issued.</summary>
public sealed record BillTo(string Name, string Email, string? Company, string? Location);

/// <summary>
/// An invoice or credit note: numbered per organisation without gaps ("INV-000042", "CN-000003"), immutable once
/// issued; <see cref="Status"/> and <see cref="AmountDueMinor"/> say where collecting it stands; <see cref="Flagged"/> is true
/// while a payment at Stripe that did not match it waits for an operator (GET /payment-issues?invoiceId=…).
/// </summary>
public sealed record InvoiceResponse(
    Guid Id, string Number, InvoiceKind Kind, Guid MemberId, Guid? LocationId, Guid? CorrectsId, string Currency,
    long NetMinor, long TaxMinor, long GrossMinor, IReadOnlyList<TaxRateTotal> TaxSummary, BillTo BillTo,
    InvoiceStatus Status, long AmountDueMinor, int FailedAttempts, DateTimeOffset? NextAttemptAt,
    DateTimeOffset IssuedAt, DateTimeOffset DueAt, DateTimeOffset? PaidAt, bool Flagged,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<InvoiceLineResponse>? Lines = null)
{
    public static string FormatNumber(InvoiceKind kind, long number) => $"{(kind == InvoiceKind.Invoice ? "INV" : "CN")}-{number:D6}";
}

public sealed record PaymentResponse(Guid Id, Guid InvoiceId, long AmountMinor, string Currency, PaymentMethodKind Method, string? Reference, DateTimeOffset PaidAt);

public sealed record UpcomingCharge(string Kind, string Description, int Quantity, long UnitAmountMinor, string Currency, DateOnly? ServiceStart, DateOnly? ServiceEnd, DateTimeOffset BillAfter);

/// <summary>What a member owes now, what is already posted for the next invoice, and what they paid.</summary>
public sealed record BillingSummary(
    Guid MemberId, IReadOnlyList<CurrencyBalance> Balance, IReadOnlyList<UpcomingCharge> Upcoming, IReadOnlyList<PaymentResponse> Payments);

public sealed record CurrencyBalance(string Currency, long AmountDueMinor, int OpenInvoices);
