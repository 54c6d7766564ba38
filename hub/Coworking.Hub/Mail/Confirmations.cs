using System.Globalization;
using System.Text;
using Coworking.Hub.Bookings;
using Coworking.Hub.Locations;
using Coworking.Hub.Visitors;
using Dapper;
using MimeKit;
using MimeKit.Utils;
using Npgsql;
using QRCoder;

namespace Coworking.Hub.Mail;

/// <summary>What a booking or series confirmation is composed from, as the mail outbox keeps it until sent.</summary>
internal sealed record BookingsMail(Guid MemberId, Guid ResourceId, IReadOnlyList<BookedMail> Bookings, IReadOnlyList<ConflictMail> Conflicts);

internal sealed record BookedMail(Guid Id, DateTimeOffset Start, DateTimeOffset End, DateTimeOffset AccessFrom, string Pin, string QrPayload);

internal sealed record ConflictMail(DateTimeOffset Start, DateTimeOffset End, string Reason, string? Rule);

/// <summary>What a guest's pass e-mail is composed from.</summary>
internal sealed record VisitorMail(Guid Id, Guid HostMemberId, Guid LocationId, string Name, string Email, DateTimeOffset Start, DateTimeOffset End, string Pin, string QrPayload);

/// <summary>
/// Confirmation e-mails with the PIN and the QR code (a PNG of the QR payload, inline), times in the location's
/// zone: for a booking, for a series (with each occurrence that could not be booked), and for a visitor's guest.
/// Queuing writes one row to the durable mail outbox (<see cref="MailQueue"/>) in the booking's own transaction;
/// <see cref="MailOutbox"/> composes and sends it.
/// </summary>
internal sealed class Confirmations(MailQueue queue) : IMailComposer
{
    public IReadOnlyCollection<string> Kinds { get; } = [MailOutbox.BookingsKind, MailOutbox.VisitorKind];

    /// <summary>
    /// The outbox row of the member's confirmation of <paramref name="bookings"/> (one member, one resource) and of
    /// the occurrences not booked, for the writer to send in the batch that commits them (then <see cref="WakeSender"/>);
    /// null when nothing was booked.
    /// </summary>
    public static NpgsqlBatchCommand? BookingsCommand(IReadOnlyList<BookingResponse> bookings, IReadOnlyList<Conflict> conflicts, DateTimeOffset now)
    {
        if (bookings is not [{ MemberId: { } memberId } first, ..])
        {
            return null;
        }

        var mail = new BookingsMail(
            memberId,
            first.ResourceId,
            [.. bookings.Select(b => new BookedMail(b.Id, b.Start, b.End, b.AccessFrom!.Value, b.Pin!, b.QrPayload!))],
            [.. conflicts.Select(c => new ConflictMail(c.Start, c.End, c.Reason, c.Rule))]);
        return MailQueue.Command(MailOutbox.BookingsKind, mail, $"booking confirmation {first.Id} to member {memberId}", now);
    }

    /// <summary>Tells the outbox's sender that a confirmation was committed.</summary>
    public void WakeSender() => queue.WakeSender();

    /// <summary>The outbox row of a guest's pass e-mail, for the batch that registers the visitor.</summary>
    public static NpgsqlBatchCommand VisitorCommand(VisitorResponse visitor, DateTimeOffset now) => MailQueue.Command(
        MailOutbox.VisitorKind,
        new VisitorMail(visitor.Id, visitor.HostMemberId, visitor.LocationId, visitor.Name, visitor.Email, visitor.Start, visitor.End, visitor.Pin!, visitor.QrPayload!),
        $"visitor pass {visitor.Id}",
        now);

    /// <summary>The message an outbox row of <paramref name="kind"/> stands for.</summary>
    public Task<MimeMessage> ComposeAsync(NpgsqlConnection conn, string kind, string payload, CancellationToken cancellationToken) => kind switch
    {
        MailOutbox.BookingsKind => ComposeBookingsAsync(conn, MailQueue.Read<BookingsMail>(payload), cancellationToken),
        MailOutbox.VisitorKind => ComposeVisitorAsync(conn, MailQueue.Read<VisitorMail>(payload), cancellationToken),
        _ => throw new InvalidOperationException($"no mail of kind {kind}"),
    };

    private static async Task<MimeMessage> ComposeBookingsAsync(NpgsqlConnection conn, BookingsMail mail, CancellationToken cancellationToken)
    {
        var (memberId, resourceId, bookings, conflicts) = (mail.MemberId, mail.ResourceId, mail.Bookings, mail.Conflicts);
        var first = bookings[0];
        var about = await conn.QuerySingleAsync<(string Name, string Email, string ResourceName, string LocationName, string TimeZone)>(new CommandDefinition(
            """
            SELECT m.name, m.email, r.name AS resource_name, l.name AS location_name, l.time_zone
            FROM members m, resources r JOIN locations l ON l.id = r.location_id
            WHERE m.id = @memberId AND r.id = @resourceId
            """,
            new { memberId, resourceId },
            cancellationToken: cancellationToken));
        var zone = ZoneTime.Zone(about.TimeZone);
        var body = new BodyBuilder();
        var text = new StringBuilder();
        var html = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Hello {about.Name},").AppendLine();
        html.Append(CultureInfo.InvariantCulture, $"<p>Hello {Html(about.Name)},</p>");
        foreach (var booking in bookings)
        {
            var when = $"{Local(booking.Start, zone)} – {Clock(booking.End, zone)}";
            text.AppendLine(CultureInfo.InvariantCulture, $"{about.ResourceName}, {about.LocationName}: {when} ({about.TimeZone})");
            text.AppendLine(CultureInfo.InvariantCulture, $"  PIN {booking.Pin}, valid from {Clock(booking.AccessFrom, zone)} until {Clock(booking.End, zone)}");
            text.AppendLine(CultureInfo.InvariantCulture, $"  QR code payload {booking.QrPayload}").AppendLine();
            var qr = body.LinkedResources.Add($"qr-{booking.Id}.png", QrPng(booking.QrPayload), new ContentType("image", "png"));
            qr.ContentId = MimeUtils.GenerateMessageId();
            html.Append(CultureInfo.InvariantCulture, $"<p><b>{Html(about.ResourceName)}</b>, {Html(about.LocationName)}: {Html(when)} ({Html(about.TimeZone)})<br>")
                .Append(CultureInfo.InvariantCulture, $"PIN <b>{booking.Pin}</b>, valid from 5 minutes before the start until the end.<br>")
                .Append(CultureInfo.InvariantCulture, $"<img alt=\"QR code\" src=\"cid:{qr.ContentId}\"></p>");
        }

        if (conflicts.Count > 0)
        {
            text.AppendLine("Not booked:");
            html.Append("<p>Not booked:</p><ul>");
            foreach (var conflict in conflicts)
            {
                var why = conflict.Rule ?? conflict.Reason.Replace('_', ' ');
                text.AppendLine(CultureInfo.InvariantCulture, $"  {Local(conflict.Start, zone)} – {Clock(conflict.End, zone)}: {why}");
                html.Append(CultureInfo.InvariantCulture, $"<li>{Html(Local(conflict.Start, zone))} – {Clock(conflict.End, zone)}: {Html(why)}</li>");
            }

            html.Append("</ul>");
        }

        body.TextBody = text.ToString();
        body.HtmlBody = html.ToString();
        var message = new MimeMessage
        {
            Subject = bookings.Count == 1 ? $"Booked: {about.ResourceName}, {Local(first.Start, zone)}" : $"Booked: {about.ResourceName}, {bookings.Count} times",
            Body = body.ToMessageBody(),
        };
        message.To.Add(new MailboxAddress(about.Name, about.Email));
        return message;
    }

    private static async Task<MimeMessage> ComposeVisitorAsync(NpgsqlConnection conn, VisitorMail visitor, CancellationToken cancellationToken)
    {
        var about = await conn.QuerySingleAsync<(string HostName, string LocationName, string TimeZone)>(new CommandDefinition(
            "SELECT m.name, l.name, l.time_zone FROM members m, locations l WHERE m.id = @HostMemberId AND l.id = @LocationId",
            new { visitor.HostMemberId, visitor.LocationId },
            cancellationToken: cancellationToken));
        var zone = ZoneTime.Zone(about.TimeZone);
        var body = new BodyBuilder();
        var qr = body.LinkedResources.Add("qr.png", QrPng(visitor.QrPayload), new ContentType("image", "png"));
        qr.ContentId = MimeUtils.GenerateMessageId();
        var when = $"{Local(visitor.Start, zone)} – {Clock(visitor.End, zone)} ({about.TimeZone})";
        body.TextBody = $"Hello {visitor.Name},\n\n{about.HostName} invited you to {about.LocationName}, {when}.\nYour PIN: {visitor.Pin}\nQR code payload: {visitor.QrPayload}\n";
        body.HtmlBody = $"<p>Hello {Html(visitor.Name)},</p><p>{Html(about.HostName)} invited you to {Html(about.LocationName)}, {Html(when)}.</p>"
            + $"<p>Your PIN: <b>{visitor.Pin}</b></p><p><img alt=\"QR code\" src=\"cid:{qr.ContentId}\"></p>";
        var message = new MimeMessage { Subject = $"Your visit to {about.LocationName}", Body = body.ToMessageBody() };
        message.To.Add(new MailboxAddress(visitor.Name, visitor.Email));
        return message;
    }

    /// <summary>The instant on the location's wall clock, e.g. "Mon 30 Mar 2026 09:00".</summary>
    private static string Local(DateTimeOffset instant, TimeZoneInfo zone) =>
        ZoneTime.Local(instant, zone).ToString("ddd d MMM yyyy HH:mm", CultureInfo.InvariantCulture);

    private static string Clock(DateTimeOffset instant, TimeZoneInfo zone) => ZoneTime.Local(instant, zone).ToString("HH:mm", CultureInfo.InvariantCulture);

    private static string Html(string text) => System.Net.WebUtility.HtmlEncode(text);

    /// <summary>
    /// Four pixels a module (about 130 pixels square for a booking's payload, under a kilobyte): plenty for a phone
    /// to scan from a screen, and a quarter of the pixels to deflate and base64 of the eight it used to be.
    /// </summary>
    private static byte[] QrPng(string payload)
    {
        using var data = QRCodeGenerator.GenerateQrCode(payload, QRCodeGenerator.ECCLevel.M);
        return new PngByteQRCode(data).GetGraphic(4);
    }
}
