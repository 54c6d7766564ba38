using System.Globalization;
using Coworking.Hub.Bookings;
using Coworking.Hub.Locations;
using Coworking.Hub.Resources;

namespace Coworking.Hub.Web.Console.Bookings;

/// <summary>One cell of a resource's row on the day board: a free slot, or a booking or block spanning slots.</summary>
internal sealed record BoardCell(DateTimeOffset Start, int Span, BookingResponse? Booking);

/// <summary>One resource and its row of cells.</summary>
internal sealed record BoardRow(ResourceResponse Resource, IReadOnlyList<BoardCell> Cells);

/// <summary>
/// The day board's grid: resources down, the day's half hours across from <see cref="FirstHour"/> to <see cref="LastHour"/>
/// on the location's wall clock; a booking covers every slot it overlaps (a 09:10–09:50 booking fills the 09:00 slot).
/// A table, not positioned boxes, so it needs no inline style (the CSP forbids it) and a screen reader reads it row by row.
/// </summary>
internal static class BoardGrid
{
    public const int FirstHour = 6;

    public const int LastHour = 22;

    public const int SlotMinutes = 30;

    public static int Slots => (LastHour - FirstHour) * 60 / SlotMinutes;

    /// <summary>The instant slot <paramref name="index"/> starts on <paramref name="date"/> in <paramref name="zone"/>.</summary>
    public static DateTimeOffset SlotStart(DateOnly date, int index, TimeZoneInfo zone) => ZoneTime.At(date, (FirstHour * 60) + (index * SlotMinutes), zone);

    /// <summary>The hours across the top, e.g. "06:00".</summary>
    public static IEnumerable<string> Hours() =>
        Enumerable.Range(FirstHour, LastHour - FirstHour).Select(h => $"{h.ToString("00", CultureInfo.InvariantCulture)}:00");

    public static IReadOnlyList<BoardRow> Build(DateOnly date, TimeZoneInfo zone, IReadOnlyList<ResourceResponse> resources, IReadOnlyList<BookingResponse> bookings) =>
        [.. resources.Select(resource => new BoardRow(resource, Row(date, zone, [.. bookings.Where(b => b.ResourceId == resource.Id).OrderBy(b => b.Start)])))];

    private static List<BoardCell> Row(DateOnly date, TimeZoneInfo zone, IReadOnlyList<BookingResponse> bookings)
    {
        var cells = new List<BoardCell>();
        var slot = 0;
        while (slot < Slots)
        {
            var start = SlotStart(date, slot, zone);
            var end = SlotStart(date, slot + 1, zone);
            var booking = bookings.FirstOrDefault(b => b.Start < end && b.End > start);
            if (booking is null)
            {
                cells.Add(new BoardCell(start, 1, null));
                slot++;
                continue;
            }

            var span = 1;
            while (slot + span < Slots && SlotStart(date, slot + span, zone) < booking.End)
            {
                span++;
            }

            cells.Add(new BoardCell(start, span, booking));
            slot += span;
        }

        return cells;
    }

    /// <summary>A local date (yyyy-MM-dd) and wall-clock time (HH:mm) at the location as an instant, or null when either does not parse.</summary>
    public static DateTimeOffset? Instant(string? date, string? time, TimeZoneInfo zone) =>
        DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
        && TimeOnly.TryParseExact(time, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var clock)
            ? ZoneTime.At(day, (clock.Hour * 60) + clock.Minute, zone)
            : null;

    public static string Date(DateTimeOffset at, TimeZoneInfo zone) => ZoneTime.Local(at, zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Clock(DateTimeOffset at, TimeZoneInfo zone) => ZoneTime.Local(at, zone).ToString("HH:mm", CultureInfo.InvariantCulture);
}
