using Coworking.Hub.Billing;
using UglyToad.PdfPig;

namespace Coworking.Hub.Tests.Billing;

/// <summary>The invoice PDF as a member's PDF reader sees it: their name as spelt, in a font the file carries.</summary>
public sealed class InvoicePdfTests
{
    private static readonly DateTimeOffset Issued = new(2026, 7, 1, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("Łukasz Ødegård", "Biuro Kraków sp. z o.o.")]
    [InlineData("Zoë Brontë", "Café Ærø")]
    [InlineData("Ελένη Παπαδοπούλου", "Αθήνα Cowork")]
    public void Name_outside_windows_1252_prints_as_spelt(string name, string company)
    {
        var pdf = InvoiceDocument.Pdf(Invoice(name, company, $"Hot desk for {name}"), "Fjord & Ørsted Coworking");

        using var document = PdfDocument.Open(pdf);
        var page = document.GetPage(1);
        var text = string.Concat(page.Letters.Select(letter => letter.Value));
        Assert.Contains($"Billed to: {name}, {company}", text, StringComparison.Ordinal);
        Assert.Contains($"Hot desk for {name}", text, StringComparison.Ordinal);
        Assert.Contains("Fjord & Ørsted Coworking", text, StringComparison.Ordinal);
        Assert.DoesNotContain('?', text);
        Assert.All(page.Letters, letter => Assert.Contains("DejaVu Sans", letter.FontName, StringComparison.Ordinal));
        Assert.All(page.Letters.Where(letter => letter.Value != " "), letter => Assert.True(letter.BoundingBox.Width > 0, $"'{letter.Value}' has no glyph"));
        Assert.Contains("/FontFile2", System.Text.Encoding.Latin1.GetString(pdf), StringComparison.Ordinal);
    }

    private static InvoiceResponse Invoice(string name, string? company, string description) =>
        new(Guid.NewGuid(), "INV-000042", InvoiceKind.Invoice, Guid.NewGuid(), null, null, "EUR", 10000, 2300, 12300,
            [new TaxRateTotal("VAT", 230_000, false, 10000, 2300, 12300)], new BillTo(name, "member@example.test", company, "Kraków"),
            InvoiceStatus.Open, 12300, 0, null, Issued, Issued.AddDays(14), null, false,
            [new InvoiceLineResponse(1, "membership", description, 1, 10000, 10000, 2300, 12300, "VAT", 230_000, false, null, null)]);
}
