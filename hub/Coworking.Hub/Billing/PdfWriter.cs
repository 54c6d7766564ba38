using System.Globalization;
using System.Text;

namespace Coworking.Hub.Billing;

/// <summary>
/// A small PDF 1.4 writer for text documents such as invoices: pages of text lines in two of the standard 14 fonts
/// (Helvetica for words, Courier for right-aligned amounts), which every PDF reader has, so nothing is embedded.
/// Text is encoded as WinAnsi (Windows-1252), which covers £, € and the en dash; other characters print as '?'.
/// The project writes its own because the only PDF library the package mirror serves under a licence we can ship
/// (docs/BILLING.md, "Invoices") would have been AGPL-3.0.
/// </summary>
internal sealed class PdfWriter
{
    public const double PageWidth = 595.28;
    public const double PageHeight = 841.89;

    private readonly List<StringBuilder> pages = [];

    public PdfWriter() => NewPage();

    public void NewPage() => pages.Add(new StringBuilder());

    /// <summary>Writes <paramref name="text"/> with its left edge at x, its baseline at y from the top of the page.</summary>
    public void Text(double x, double y, string text, double size, bool bold = false) =>
        Show(bold ? "F2" : "F1", x, y, text, size);

    /// <summary>Writes <paramref name="text"/> in Courier with its right edge at <paramref name="right"/>.</summary>
    public void RightAligned(double right, double y, string text, double size) =>
        Show("F3", right - (0.6 * size * text.Length), y, text, size);

    public byte[] ToBytes(string title)
    {
        var objects = new List<byte[]>();
        var pageIds = new List<int>();
        var firstPage = 6;
        objects.Add(Ascii("<< /Type /Catalog /Pages 2 0 R >>"));
        objects.Add([]);
        objects.Add(Ascii("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"));
        objects.Add(Ascii("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"));
        objects.Add(Ascii("<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>"));
        foreach (var page in pages)
        {
            var id = firstPage + (2 * pageIds.Count);
            pageIds.Add(id);
            var content = WinAnsi(page.ToString());
            objects.Add(Ascii(string.Create(CultureInfo.InvariantCulture,
                $"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PageWidth:0.##} {PageHeight:0.##}] /Resources << /Font << /F1 3 0 R /F2 4 0 R /F3 5 0 R >> >> /Contents {id + 1} 0 R >>")));
            objects.Add([.. Ascii(string.Create(CultureInfo.InvariantCulture, $"<< /Length {content.Length} >>\nstream\n")), .. content, .. Ascii("\nendstream")]);
        }

        objects[1] = Ascii($"<< /Type /Pages /Kids [{string.Join(' ', pageIds.Select(id => $"{id} 0 R"))}] /Count {pageIds.Count} >>");
        objects.Add([.. Ascii("<< /Title ("), .. WinAnsi(Escape(title)), .. Ascii(") /Producer (Coworking Hub) >>")]);

        using var pdf = new MemoryStream();
        pdf.Write(Ascii("%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n"));
        var offsets = new List<long>();
        for (var i = 0; i < objects.Count; i++)
        {
            offsets.Add(pdf.Position);
            pdf.Write(Ascii(string.Create(CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n")));
            pdf.Write(objects[i]);
            pdf.Write(Ascii("\nendobj\n"));
        }

        var xref = pdf.Position;
        var table = new StringBuilder();
        table.Append(CultureInfo.InvariantCulture, $"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            table.Append(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        }

        table.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R /Info {objects.Count} 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        pdf.Write(Ascii(table.ToString()));
        return pdf.ToArray();
    }

    private void Show(string font, double x, double y, string text, double size) =>
        pages[^1].Append(CultureInfo.InvariantCulture, $"BT /{font} {size:0.##} Tf {x:0.##} {PageHeight - y:0.##} Td ({Escape(text)}) Tj ET\n");

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("(", "\\(", StringComparison.Ordinal).Replace(")", "\\)", StringComparison.Ordinal);

    private static byte[] Ascii(string text) => Encoding.Latin1.GetBytes(text);

    /// <summary>Windows-1252: Latin-1 plus the typographic characters it puts at 0x80-0x9F.</summary>
    private static byte[] WinAnsi(string text) =>
        [.. text.Select(c => c switch
        {
            < '\u0080' => (byte)c,
            >= '\u00a0' and <= '\u00ff' => (byte)c,
            '€' => (byte)0x80,
            '‘' => (byte)0x91,
            '’' => (byte)0x92,
            '“' => (byte)0x93,
            '”' => (byte)0x94,
            '–' => (byte)0x96,
            '—' => (byte)0x97,
            _ => (byte)'?',
        })];
}
