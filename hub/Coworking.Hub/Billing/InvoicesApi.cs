using System.Globalization;
using System.Text;
using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Coworking.Hub.Http;
using CsvHelper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Billing;

public sealed record TaxRateRequest(string? Name, int? PartsPerMillion, bool? Inclusive);

public sealed record TierPriceRequest(string? Name, long? UnitPriceMinor);

/// <summary><see cref="RequestId"/> makes a retried purchase post once.</summary>
public sealed record ChargeRequest(string? Code, int? Quantity, Guid? RequestId = null);

public sealed record PaymentRequest(PaymentMethodKind? Method, string? Reference = null);

public sealed record CreditNoteLineRequest(string? Description, long? AmountMinor);

/// <summary>Without lines, the credit note gives back the whole invoice.</summary>
public sealed record CreditNoteRequest(IReadOnlyList<CreditNoteLineRequest?>? Lines = null);

/// <summary>
/// Invoices and what they are made from: tax rates per location and add-on prices per tier (organisation admins),
/// add-ons sold to members, invoices listed, viewed as HTML and PDF, exported as CSV, paid by hand and corrected by
/// credit notes. A location manager sees only invoices of members whose home location it manages.
/// </summary>
public static class InvoicesApi
{
    public static IEndpointRouteBuilder MapInvoicesApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/").WithTags("Invoices");
        api.MapGet("/locations/{id:guid}/tax-rate", GetTaxRate);
        api.MapPut("/locations/{id:guid}/tax-rate", SetTaxRate);
        api.MapGet("/tiers/{id:guid}/prices", ListPrices);
        api.MapPut("/tiers/{id:guid}/prices/{code}", SetPrice);
        api.MapPost("/members/{id:guid}/charges", Charge).WithIdempotency();
        api.MapGet("/members/{id:guid}/invoices", ListMemberInvoices);
        api.MapGet("/members/{id:guid}/billing", GetBilling);
        api.MapGet("/invoices", ListInvoices);
        api.MapGet("/invoices/export.csv", ExportInvoices);
        api.MapGet("/invoices/lines.csv", ExportLines);
        api.MapGet("/invoices/{id:guid}", GetInvoice);
        api.MapGet("/invoices/{id:guid}/html", GetInvoiceHtml);
        api.MapGet("/invoices/{id:guid}/pdf", GetInvoicePdf);
        api.MapPost("/invoices/{id:guid}/payments", RecordPayment).WithIdempotency();
        api.MapPost("/invoices/{id:guid}/credit-notes", IssueCreditNote).WithIdempotency();
        return routes;
    }

    internal static async Task<Results<Ok<TaxRateResponse>, NotFound>> GetTaxRate(Guid id, Caller caller, BillingCatalogStore store, CancellationToken cancellationToken) =>
        caller.Covers(id) && await store.GetTaxRateAsync(caller, id, cancellationToken) is { } rate ? TypedResults.Ok(rate) : TypedResults.NotFound();

    internal static async Task<Results<Ok<TaxRateResponse>, ValidationProblem, ProblemHttpResult, NotFound>> SetTaxRate(
        Guid id, TaxRateRequest request, Caller caller, BillingCatalogStore store, CancellationToken cancellationToken)
    {
        if (!caller.IsOrgAdmin)
        {
            return Problems.Forbidden("Only organisation admins set tax rates.");
        }

        var errors = new ValidationErrors();
        errors.Required("name", request.Name, 100);
        if (request.PartsPerMillion is null or < 0 or > TaxRate.Million)
        {
            errors.Add("partsPerMillion", "is required: the rate in parts per million, 0 to 1000000 (200000 = 20 %)");
        }

        if (request.Inclusive is null)
        {
            errors.Add("inclusive", "is required: true when prices include the tax, false when it is added on top");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return await store.SetTaxRateAsync(caller, id, request.Name!.Trim(), request.PartsPerMillion!.Value, request.Inclusive!.Value, cancellationToken) is { } rate
            ? TypedResults.Ok(rate)
            : TypedResults.NotFound();
    }

    internal static async Task<Results<Ok<IReadOnlyList<TierPriceResponse>>, NotFound>> ListPrices(Guid id, Caller caller, BillingCatalogStore store, CancellationToken cancellationToken) =>
        await store.ListPricesAsync(caller, id, cancellationToken) is { } prices ? TypedResults.Ok(prices) : TypedResults.NotFound();

    internal static async Task<Results<Ok<TierPriceResponse>, ValidationProblem, ProblemHttpResult, NotFound>> SetPrice(
        Guid id, string code, TierPriceRequest request, Caller caller, BillingCatalogStore store, CancellationToken cancellationToken)
    {
        if (!caller.IsOrgAdmin)
        {
            return Problems.Forbidden("Only organisation admins set prices.");
        }

        var errors = new ValidationErrors();
        if (code.Length is < 1 or > 40 || !char.IsAsciiLetterLower(code[0]) || !code.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            errors.Add("code", "must be 1-40 lower-case letters, digits or underscores, starting with a letter (e.g. day_pass, room_hour)");
        }

        errors.Required("name", request.Name);
        if (request.UnitPriceMinor is null or < 0 or > Money.MaxMinor)
        {
            errors.Add("unitPriceMinor", $"is required: the price in minor units of the tier's currency, 0 to {Money.MaxMinor}");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return await store.SetPriceAsync(caller, id, code, request.Name!.Trim(), request.UnitPriceMinor!.Value, cancellationToken) is { } price
            ? TypedResults.Ok(price)
            : TypedResults.NotFound();
    }

    internal static async Task<Results<Created<ChargeResponse>, ValidationProblem, ProblemHttpResult, NotFound>> Charge(
        Guid id, ChargeRequest request, Caller caller, BillingCatalogStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.Required("code", request.Code, 40);
        if (request.Quantity is null or < 1 or > 10_000)
        {
            errors.Add("quantity", "is required: 1 to 10000");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var (outcome, charge) = await store.ChargeAsync(caller, id, request.Code!, request.Quantity!.Value, request.RequestId ?? Guid.NewGuid(), cancellationToken);
        return outcome switch
        {
            CatalogWrite.Done => TypedResults.Created($"/api/v1/members/{id}/billing", charge),
            CatalogWrite.NoMembership => Problems.Unprocessable("code", "the member has no membership, so no tier prices this add-on"),
            CatalogWrite.NoPrice => Problems.UnknownReference("code", "is not priced for the member's tier"),
            _ => TypedResults.NotFound(),
        };
    }

    internal static async Task<Results<Ok<Page<InvoiceResponse>>, ValidationProblem, NotFound>> ListMemberInvoices(
        Guid id, Caller caller, InvoiceStore store, string? status, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var summary = await store.SummaryAsync(caller, id, cancellationToken);
        if (summary is null)
        {
            return TypedResults.NotFound();
        }

        return await ListInvoices(caller, store, id, status, limit, cursor, cancellationToken) switch
        {
            { Result: Ok<Page<InvoiceResponse>> ok } => ok,
            { Result: ValidationProblem problem } => problem,
            _ => TypedResults.NotFound(),
        };
    }

    internal static async Task<Results<Ok<BillingSummary>, NotFound>> GetBilling(Guid id, Caller caller, InvoiceStore store, CancellationToken cancellationToken) =>
        await store.SummaryAsync(caller, id, cancellationToken) is { } summary ? TypedResults.Ok(summary) : TypedResults.NotFound();

    internal static async Task<Results<Ok<Page<InvoiceResponse>>, ValidationProblem>> ListInvoices(
        Caller caller, InvoiceStore store, Guid? memberId, string? status, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var (take, after) = PageCursor.Read(limit, cursor, errors);
        InvoiceStatus? wanted = null;
        if (status is not null)
        {
            if (DbText.TryParse<InvoiceStatus>(status, out var parsed))
            {
                wanted = parsed;
            }
            else
            {
                errors.Add("status", "must be open, paid or credited");
            }
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return TypedResults.Ok(await store.ListAsync(caller, memberId, wanted, take, after, cancellationToken));
    }

    internal static async Task<Results<Ok<InvoiceResponse>, NotFound>> GetInvoice(Guid id, Caller caller, InvoiceStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(caller, id, cancellationToken) is { } invoice ? TypedResults.Ok(invoice) : TypedResults.NotFound();

    internal static async Task<Results<ContentHttpResult, NotFound>> GetInvoiceHtml(
        Guid id, Caller caller, InvoiceStore store, Organisations.OrganisationStore organisations, CancellationToken cancellationToken) =>
        await store.GetAsync(caller, id, cancellationToken) is { } invoice
            ? TypedResults.Content(InvoiceDocument.Html(invoice, await OrganisationNameAsync(organisations, caller, cancellationToken)), "text/html", Encoding.UTF8)
            : TypedResults.NotFound();

    internal static async Task<Results<FileContentHttpResult, NotFound>> GetInvoicePdf(
        Guid id, Caller caller, InvoiceStore store, Organisations.OrganisationStore organisations, CancellationToken cancellationToken) =>
        await store.GetAsync(caller, id, cancellationToken) is { } invoice
            ? TypedResults.File(InvoiceDocument.Pdf(invoice, await OrganisationNameAsync(organisations, caller, cancellationToken)), "application/pdf", invoice.Number + ".pdf")
            : TypedResults.NotFound();

    internal static async Task<FileContentHttpResult> ExportInvoices(
        Caller caller, InvoiceStore store, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
    {
        var lines = await store.LinesAsync(caller, from, to, cancellationToken);
        var invoices = lines.Select(l => l.Invoice).DistinctBy(i => i.Id);
        return Csv(
            "invoices.csv",
            ["number", "kind", "issued_at", "due_at", "member_id", "member", "email", "currency", "net_minor", "tax_minor", "gross_minor", "status", "amount_due_minor", "paid_at", "corrects_id"],
            invoices.Select(i => new object?[]
            {
                i.Number, i.Kind.ToDb(), i.IssuedAt, i.DueAt, i.MemberId, i.BillTo.Name, i.BillTo.Email, i.Currency, i.NetMinor, i.TaxMinor, i.GrossMinor,
                i.Status.ToDb(), i.AmountDueMinor, i.PaidAt, i.CorrectsId,
            }));
    }

    internal static async Task<FileContentHttpResult> ExportLines(
        Caller caller, InvoiceStore store, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
    {
        var lines = await store.LinesAsync(caller, from, to, cancellationToken);
        return Csv(
            "invoice-lines.csv",
            ["number", "issued_at", "member_id", "currency", "position", "kind", "description", "quantity", "unit_amount_minor", "net_minor", "tax_minor", "gross_minor",
                "tax_name", "tax_parts_per_million", "tax_inclusive", "service_start", "service_end"],
            lines.Select(p => new object?[]
            {
                p.Invoice.Number, p.Invoice.IssuedAt, p.Invoice.MemberId, p.Invoice.Currency, p.Line.Position, p.Line.Kind, p.Line.Description, p.Line.Quantity,
                p.Line.UnitAmountMinor, p.Line.NetMinor, p.Line.TaxMinor, p.Line.GrossMinor, p.Line.TaxName, p.Line.TaxPartsPerMillion, p.Line.TaxInclusive,
                p.Line.ServiceStart, p.Line.ServiceEnd,
            }));
    }

    internal static async Task<Results<Ok<InvoiceResponse>, ValidationProblem, ProblemHttpResult, NotFound>> RecordPayment(
        Guid id, PaymentRequest request, Caller caller, InvoiceStore store, Dunning dunning, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.Method is null or PaymentMethodKind.Card)
        {
            errors.Add("method", "is required: bank_transfer or cash (card payments come from Stripe)");
        }

        if (request.Reference is { Length: > 200 })
        {
            errors.Add("reference", "must be at most 200 characters");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var result = await store.RecordPaymentAsync(caller, caller.OrganisationId, id, request.Method!.Value, request.Reference?.Trim(), null, cancellationToken);
        if (result.Outcome == InvoiceWrite.Done)
        {
            await dunning.PaidAsync(result.Invoice!.MemberId, cancellationToken);
        }

        return Answer(result);
    }

    internal static async Task<Results<Ok<InvoiceResponse>, ValidationProblem, ProblemHttpResult, NotFound>> IssueCreditNote(
        Guid id, CreditNoteRequest? request, Caller caller, InvoiceStore store, Dunning dunning, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        List<CreditLine>? lines = null;
        if (request?.Lines is { } requested)
        {
            if (requested.Count is 0 or > 100)
            {
                errors.Add("lines", "must hold 1 to 100 lines, or be absent to credit the whole invoice");
            }

            lines = [];
            for (var i = 0; i < requested.Count; i++)
            {
                var line = requested[i];
                errors.Required($"lines[{i}].description", line?.Description);
                if (line?.AmountMinor is null or < 1 or > Money.MaxMinor)
                {
                    errors.Add($"lines[{i}].amountMinor", $"is required: the amount given back, in minor units, 1 to {Money.MaxMinor}");
                }
                else if (line.Description is not null)
                {
                    lines.Add(new CreditLine(line.Description.Trim(), line.AmountMinor.Value));
                }
            }
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var result = await store.CreditAsync(caller, id, lines, cancellationToken);
        if (result.Outcome == InvoiceWrite.Done)
        {
            await dunning.PaidAsync(result.Invoice!.MemberId, cancellationToken);
        }

        return Answer(result);
    }

    private static Results<Ok<InvoiceResponse>, ValidationProblem, ProblemHttpResult, NotFound> Answer(InvoiceWriteResult result) =>
        result.Outcome switch
        {
            InvoiceWrite.Done => TypedResults.Ok(result.Invoice!),
            InvoiceWrite.NotOpen => Problems.Conflict("status", "the invoice is not open: it is paid or credited already"),
            InvoiceWrite.NotAnInvoice => Problems.Unprocessable("id", "is a credit note, not an invoice"),
            InvoiceWrite.TooMuch => Problems.Unprocessable("lines", "credit more than the invoice's total less earlier credit notes"),
            _ => TypedResults.NotFound(),
        };

    private static async Task<string> OrganisationNameAsync(Organisations.OrganisationStore organisations, Caller caller, CancellationToken cancellationToken) =>
        await organisations.NameAsync(caller.OrganisationId, cancellationToken) ?? string.Empty;

    /// <summary>A CSV file for accounting: a header row, then one row per record, invariant culture, instants in ISO 8601 UTC.</summary>
    internal static FileContentHttpResult Csv(string name, string[] header, IEnumerable<object?[]> rows)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, CsvWriterOptions.Default, leaveOpen: true))
        {
            csv.WriteRecord(header);
            foreach (var row in rows)
            {
                csv.WriteRecord([.. row.Select(Field)]);
            }
        }

        return TypedResults.File(Encoding.UTF8.GetBytes(text.ToString()), "text/csv", name);
    }

    private static string Field(object? value) => value switch
    {
        null => string.Empty,
        DateTimeOffset instant => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
