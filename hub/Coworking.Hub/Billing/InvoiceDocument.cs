using System.Globalization;
using System.Net;
using System.Text;

namespace Coworking.Hub.Billing;

/// <summary>An issued invoice or credit note as a member reads it: an HTML page and a PDF with the same content.</summary>
internal static class InvoiceDocument
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Title(InvoiceResponse invoice) => $"{(invoice.Kind == InvoiceKind.Invoice ? "Invoice" : "Credit note")} {invoice.Number}";

    public static string Amount(long minor, string currency) => new Money(minor, currency).ToString();

    public static string Html(InvoiceResponse invoice, string organisation)
    {
        string E(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{E(Title(invoice))}</title>
            <style>body{"{"}font-family:sans-serif;margin:2rem{"}"} table{"{"}border-collapse:collapse;width:100%{"}"} th,td{"{"}padding:.3rem .5rem;border-bottom:1px solid #ddd;text-align:left{"}"} td.n,th.n{"{"}text-align:right{"}"}</style>
            </head><body>
            <h1>{E(Title(invoice))}</h1>
            <p>{E(organisation)}</p>
            <p>Billed to: {E(invoice.BillTo.Name)}{(invoice.BillTo.Company is null ? string.Empty : ", " + E(invoice.BillTo.Company))} &lt;{E(invoice.BillTo.Email)}&gt;{(invoice.BillTo.Location is null ? string.Empty : " — " + E(invoice.BillTo.Location))}</p>
            <p>Issued {invoice.IssuedAt.ToString("d MMM yyyy", Invariant)} · due {invoice.DueAt.ToString("d MMM yyyy", Invariant)} · status {E(invoice.Status.ToString().ToLowerInvariant())}</p>
            <table><thead><tr><th>Description</th><th class="n">Qty</th><th class="n">Unit</th><th class="n">Net</th><th>Tax</th><th class="n">Tax</th><th class="n">Gross</th></tr></thead><tbody>
            """);
        foreach (var line in invoice.Lines ?? [])
        {
            html.Append(CultureInfo.InvariantCulture, $"""
                <tr><td>{E(line.Description)}</td><td class="n">{line.Quantity}</td><td class="n">{E(Amount(line.UnitAmountMinor, invoice.Currency))}</td><td class="n">{E(Amount(line.NetMinor, invoice.Currency))}</td><td>{E(RateLabel(line.TaxName, line.TaxPartsPerMillion, line.TaxInclusive))}</td><td class="n">{E(Amount(line.TaxMinor, invoice.Currency))}</td><td class="n">{E(Amount(line.GrossMinor, invoice.Currency))}</td></tr>

                """);
        }

        html.Append("</tbody></table><h2>Tax summary</h2><table><tbody>");
        foreach (var rate in invoice.TaxSummary)
        {
            html.Append(CultureInfo.InvariantCulture, $"""
                <tr><td>{E(RateLabel(rate.Name, rate.PartsPerMillion, rate.Inclusive))}</td><td class="n">net {E(Amount(rate.NetMinor, invoice.Currency))}</td><td class="n">tax {E(Amount(rate.TaxMinor, invoice.Currency))}</td><td class="n">gross {E(Amount(rate.GrossMinor, invoice.Currency))}</td></tr>

                """);
        }

        html.Append(CultureInfo.InvariantCulture, $"""
            </tbody></table>
            <p>Net {E(Amount(invoice.NetMinor, invoice.Currency))} · Tax {E(Amount(invoice.TaxMinor, invoice.Currency))} · <strong>Total {E(Amount(invoice.GrossMinor, invoice.Currency))}</strong> · Amount due {E(Amount(invoice.AmountDueMinor, invoice.Currency))}</p>
            </body></html>
            """);
        return html.ToString();
    }

    public static byte[] Pdf(InvoiceResponse invoice, string organisation)
    {
        var pdf = new PdfWriter();
        var y = 60.0;
        void Line(string text, double size = 9, bool bold = false)
        {
            pdf.Text(40, y, text, size, bold);
            y += size + 6;
        }

        Line(Title(invoice), 16, bold: true);
        Line(organisation);
        Line($"Billed to: {invoice.BillTo.Name}{(invoice.BillTo.Company is null ? string.Empty : ", " + invoice.BillTo.Company)} <{invoice.BillTo.Email}>");
        Line($"Issued {invoice.IssuedAt.ToString("d MMM yyyy", Invariant)}, due {invoice.DueAt.ToString("d MMM yyyy", Invariant)}");
        y += 10;
        double[] right = [330, 410, 480, 555];
        pdf.Text(40, y, "Description", 9, bold: true);
        foreach (var (edge, heading) in right.Zip(new[] { "Qty", "Net", "Tax", "Gross" }))
        {
            pdf.RightAligned(edge, y, heading, 9);
        }

        y += 16;
        foreach (var line in invoice.Lines ?? [])
        {
            if (y > PdfWriter.PageHeight - 80)
            {
                pdf.NewPage();
                y = 60;
            }

            pdf.Text(40, y, line.Description.Length > 55 ? line.Description[..52] + "..." : line.Description, 9);
            foreach (var (edge, value) in right.Zip(new[] { line.Quantity.ToString(Invariant), Amount(line.NetMinor, invoice.Currency), Amount(line.TaxMinor, invoice.Currency), Amount(line.GrossMinor, invoice.Currency) }))
            {
                pdf.RightAligned(edge, y, value, 8);
            }

            y += 14;
        }

        y += 10;
        foreach (var rate in invoice.TaxSummary)
        {
            Line($"{RateLabel(rate.Name, rate.PartsPerMillion, rate.Inclusive)}: net {Amount(rate.NetMinor, invoice.Currency)}, tax {Amount(rate.TaxMinor, invoice.Currency)}, gross {Amount(rate.GrossMinor, invoice.Currency)}");
        }

        Line($"Total {Amount(invoice.GrossMinor, invoice.Currency)} (net {Amount(invoice.NetMinor, invoice.Currency)}, tax {Amount(invoice.TaxMinor, invoice.Currency)}); amount due {Amount(invoice.AmountDueMinor, invoice.Currency)}", bold: true);
        return pdf.ToBytes(Title(invoice), invoice.IssuedAt);
    }

    private static string RateLabel(string name, int partsPerMillion, bool inclusive) =>
        $"{name} {(partsPerMillion / 10_000m).ToString("0.####", Invariant)}%{(inclusive ? " incl." : string.Empty)}";
}
