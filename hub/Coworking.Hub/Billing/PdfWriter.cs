using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace Coworking.Hub.Billing;

/// <summary>
/// Pages of text lines for documents such as invoices, written with PDFsharp 6.2.4 (MIT; later versions name the AGPL)
/// in DejaVu Sans, which is embedded (as the subset of glyphs used) so every member's name prints as it is spelt:
/// "Łukasz Ødegård", "Zoë", "Ελένη". Text is written as Unicode with a ToUnicode map, so it can be searched and copied.
/// </summary>
internal sealed class PdfWriter
{
    public const double PageWidth = 595.28;
    public const double PageHeight = 841.89;

    private static readonly XPdfFontOptions Embedded = new(PdfFontEncoding.Unicode, PdfFontEmbedding.TryComputeSubset);

    private readonly PdfDocument document = new();
    private readonly Dictionary<(double Size, bool Bold), XFont> fonts = [];
    private XGraphics? graphics;

    static PdfWriter() => DejaVuFonts.Install();

    public PdfWriter() => NewPage();

    public void NewPage()
    {
        graphics?.Dispose();
        var page = document.AddPage();
        page.Width = XUnit.FromPoint(PageWidth);
        page.Height = XUnit.FromPoint(PageHeight);
        graphics = XGraphics.FromPdfPage(page);
    }

    /// <summary>Writes <paramref name="text"/> with its left edge at x, its baseline at y from the top of the page.</summary>
    public void Text(double x, double y, string text, double size, bool bold = false) =>
        graphics!.DrawString(text, Font(size, bold), XBrushes.Black, new XPoint(x, y));

    /// <summary>Writes <paramref name="text"/> with its right edge at <paramref name="right"/>.</summary>
    public void RightAligned(double right, double y, string text, double size)
    {
        var font = Font(size, bold: false);
        graphics!.DrawString(text, font, XBrushes.Black, new XPoint(right - graphics.MeasureString(text, font).Width, y));
    }

    /// <summary>The document, dated <paramref name="created"/> (an invoice: when it was issued).</summary>
    public byte[] ToBytes(string title, DateTimeOffset created)
    {
        graphics?.Dispose();
        graphics = null;
        document.Info.Title = title;
        document.Info.Creator = "Coworking Hub";
        document.Info.CreationDate = created.UtcDateTime;
        document.Info.ModificationDate = created.UtcDateTime;
        using var pdf = new MemoryStream();
        document.Save(pdf, closeStream: false);
        document.Dispose();
        return pdf.ToArray();
    }

    private XFont Font(double size, bool bold)
    {
        if (!fonts.TryGetValue((size, bold), out var font))
        {
            font = new XFont(DejaVuFonts.Family, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular, Embedded);
            fonts[(size, bold)] = font;
        }

        return font;
    }

    /// <summary>The DejaVu Sans files shipped inside the hub (Billing/Fonts, Bitstream Vera licence), for every family PDFsharp asks for.</summary>
    private sealed class DejaVuFonts : IFontResolver
    {
        public const string Family = "DejaVu Sans";

        private static readonly Lazy<byte[]> Regular = new(() => Read("DejaVuSans.ttf"));
        private static readonly Lazy<byte[]> Bold = new(() => Read("DejaVuSans-Bold.ttf"));

        /// <summary>PDFsharp keeps one resolver for the process and refuses a change once a font was used, so it is set once here.</summary>
        public static void Install() => GlobalFontSettings.FontResolver ??= new DejaVuFonts();

        public FontResolverInfo ResolveTypeface(string familyName, bool isBold, bool isItalic) =>
            new(isBold ? "DejaVuSans-Bold" : "DejaVuSans", mustSimulateBold: false, mustSimulateItalic: isItalic);

        public byte[] GetFont(string faceName) => faceName == "DejaVuSans-Bold" ? Bold.Value : Regular.Value;

        private static byte[] Read(string file)
        {
            using var stream = typeof(DejaVuFonts).Assembly.GetManifestResourceStream($"Coworking.Hub.Billing.Fonts.{file}")
                ?? throw new InvalidOperationException($"The font {file} is not embedded in the hub.");
            using var bytes = new MemoryStream();
            stream.CopyTo(bytes);
            return bytes.ToArray();
        }
    }
}
