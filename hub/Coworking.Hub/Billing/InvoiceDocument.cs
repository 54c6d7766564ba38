using System.Globalization;
using System.Net;
using System.Text;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

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
        InvoiceFonts.EnsureRegistered();
        using var document = new PdfDocument();
        document.Info.Title = Title(invoice);
        var page = document.AddPage();
        var gfx = XGraphics.FromPdfPage(page);
        var regular = new XFont(InvoiceFonts.Family, 9);
        var bold = new XFont(InvoiceFonts.Family, 9, XFontStyleEx.Bold);
        var heading = new XFont(InvoiceFonts.Family, 16, XFontStyleEx.Bold);
        var y = 50.0;
        void Text(string text, XFont font, double x, XStringFormat? format = null) =>
            gfx.DrawString(text, font, XBrushes.Black, new XRect(x, y, format == XStringFormats.TopRight ? 0 : 500, 14), format ?? XStringFormats.TopLeft);
        void Line(string text, XFont font)
        {
            Text(text, font, 40);
            y += font.Size + 6;
        }

        Line(Title(invoice), heading);
        Line(organisation, regular);
        Line($"Billed to: {invoice.BillTo.Name}{(invoice.BillTo.Company is null ? string.Empty : ", " + invoice.BillTo.Company)} <{invoice.BillTo.Email}>", regular);
        Line($"Issued {invoice.IssuedAt.ToString("d MMM yyyy", Invariant)}, due {invoice.DueAt.ToString("d MMM yyyy", Invariant)}", regular);
        y += 10;
        double[] right = [330, 390, 450, 555];
        Text("Description", bold, 40);
        Text("Qty", bold, right[0], XStringFormats.TopRight);
        Text("Net", bold, right[1], XStringFormats.TopRight);
        Text("Tax", bold, right[2], XStringFormats.TopRight);
        Text("Gross", bold, right[3], XStringFormats.TopRight);
        y += 16;
        foreach (var line in invoice.Lines ?? [])
        {
            if (y > page.Height.Point - 80)
            {
                page = document.AddPage();
                gfx.Dispose();
                gfx = XGraphics.FromPdfPage(page);
                y = 50;
            }

            Text(line.Description.Length > 60 ? line.Description[..57] + "..." : line.Description, regular, 40);
            Text(line.Quantity.ToString(Invariant), regular, right[0], XStringFormats.TopRight);
            Text(Amount(line.NetMinor, invoice.Currency), regular, right[1], XStringFormats.TopRight);
            Text(Amount(line.TaxMinor, invoice.Currency), regular, right[2], XStringFormats.TopRight);
            Text(Amount(line.GrossMinor, invoice.Currency), regular, right[3], XStringFormats.TopRight);
            y += 14;
        }

        y += 10;
        foreach (var rate in invoice.TaxSummary)
        {
            Line($"{RateLabel(rate.Name, rate.PartsPerMillion, rate.Inclusive)}: net {Amount(rate.NetMinor, invoice.Currency)}, tax {Amount(rate.TaxMinor, invoice.Currency)}, gross {Amount(rate.GrossMinor, invoice.Currency)}", regular);
        }

        Line($"Total {Amount(invoice.GrossMinor, invoice.Currency)} (net {Amount(invoice.NetMinor, invoice.Currency)}, tax {Amount(invoice.TaxMinor, invoice.Currency)}); amount due {Amount(invoice.AmountDueMinor, invoice.Currency)}", bold);
        gfx.Dispose();
        using var stream = new MemoryStream();
        document.Save(stream, closeStream: false);
        return stream.ToArray();
    }

    private static string RateLabel(string name, int partsPerMillion, bool inclusive) =>
        $"{name} {(partsPerMillion / 10_000m).ToString("0.####", Invariant)}%{(inclusive ? " incl." : string.Empty)}";
}

/// <summary>
/// PDFsharp on Linux finds no fonts by itself: the invoice PDF uses DejaVu Sans (Debian fonts-dejavu-core) from
/// Billing:FontDirectory, default /usr/share/fonts/truetype/dejavu.
/// </summary>
internal sealed class InvoiceFonts(string directory) : IFontResolver
{
    public const string Family = "Invoice Sans";
    private static readonly Lock Gate = new();

    public static string Directory { get; set; } = "/usr/share/fonts/truetype/dejavu";

    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            GlobalFontSettings.FontResolver ??= new InvoiceFonts(Directory);
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        new(bold ? "DejaVuSans-Bold" : "DejaVuSans");

    public byte[]? GetFont(string faceName) => File.ReadAllBytes(Path.Combine(directory, faceName + ".ttf"));
}
