using Coworking.Hub.Bookings;
using Coworking.Hub.Database;
using Coworking.Hub.Locations;
using Dapper;
using QRCoder;

namespace Coworking.Hub.Web.Portal.Bookings;

/// <summary>
/// One of the member's bookings as the portal shows it: where and when, in the location's zone, and the QR payload of
/// its pass (the number a QR reader reports as card data; the hub keeps it as a card credential, so it can be shown
/// again). The PIN is not here: the hub keeps only its keyed hash, so the member reads it where it was handed out
/// (the booking's confirmation e-mail, and the page that made it).
/// </summary>
internal sealed record MemberBooking(
    Guid Id,
    string ResourceName,
    string ResourceKind,
    string LocationName,
    TimeZoneInfo Zone,
    DateTimeOffset Start,
    DateTimeOffset End,
    DateTimeOffset? CancelledAt,
    string? QrPayload)
{
    /// <summary>When its PIN and QR open the doors: from <see cref="BookingRow.AccessLead"/> before the start until the end.</summary>
    public DateTimeOffset ValidFrom => Start - BookingRow.AccessLead;

    public string KindText => ResourceKind.Replace('_', ' ');
}

/// <summary>The member's upcoming and recent bookings, filtered by organisation and member in SQL.</summary>
internal sealed class MemberBookingsQuery(TenantDataSource db, TimeProvider time)
{
    /// <summary>Past bookings this far back are listed.</summary>
    public static readonly TimeSpan History = TimeSpan.FromDays(60);

    public async Task<(IReadOnlyList<MemberBooking> Upcoming, IReadOnlyList<MemberBooking> Past)> ListAsync(
        Guid organisationId, Guid memberId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<Row>(new CommandDefinition(
            """
            SELECT b.id, r.name AS resource_name, b.resource_kind, l.name AS location_name, l.time_zone, b.starts_at, b.ends_at, b.cancelled_at,
                   (SELECT c.card_number FROM credentials c
                    WHERE c.pass_holder_id = b.id AND c.kind = 'card' AND c.revoked_at IS NULL AND c.organisation_id = b.organisation_id
                    LIMIT 1) AS qr_number
            FROM bookings b JOIN resources r ON r.id = b.resource_id JOIN locations l ON l.id = b.location_id
            WHERE b.organisation_id = @organisationId AND b.member_id = @memberId AND b.kind = 'member' AND b.ends_at > @since
            ORDER BY b.starts_at, b.id
            """,
            new { organisationId, memberId, since = now - History },
            cancellationToken: cancellationToken));
        var bookings = rows.Select(r => new MemberBooking(
            r.Id,
            r.ResourceName,
            r.ResourceKind,
            r.LocationName,
            ZoneTime.Zone(r.TimeZone),
            r.StartsAt,
            r.EndsAt,
            r.CancelledAt,
            r.QrNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        return (
            [.. bookings.Where(b => b.End > now && b.CancelledAt is null)],
            [.. bookings.Where(b => b.End <= now || b.CancelledAt is not null).OrderByDescending(b => b.Start)]);
    }

    /// <summary>A QR code of the payload as a PNG data URI (four pixels a module, as in the confirmation e-mail).</summary>
    public static string QrDataUri(string payload)
    {
        using var data = QRCodeGenerator.GenerateQrCode(payload, QRCodeGenerator.ECCLevel.M);
        return "data:image/png;base64," + Convert.ToBase64String(new PngByteQRCode(data).GetGraphic(4));
    }

    private sealed record Row
    {
        public Guid Id { get; init; }

        public string ResourceName { get; init; } = string.Empty;

        public string ResourceKind { get; init; } = string.Empty;

        public string LocationName { get; init; } = string.Empty;

        public string TimeZone { get; init; } = "UTC";

        public DateTimeOffset StartsAt { get; init; }

        public DateTimeOffset EndsAt { get; init; }

        public DateTimeOffset? CancelledAt { get; init; }

        public decimal? QrNumber { get; init; }
    }
}
