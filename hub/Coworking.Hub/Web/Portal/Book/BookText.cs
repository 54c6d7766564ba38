using System.Globalization;
using Coworking.Hub.Bookings;
using Coworking.Hub.Resources;
using Coworking.Hub.Web.Console.Doors;

namespace Coworking.Hub.Web.Portal.Book;

/// <summary>Why the booking rules refused a booking, in the member's words, from the rule and its limit in their tier.</summary>
internal static class BookText
{
    public static string Refused(RuleViolation violation) => violation.Rule switch
    {
        TierRule.MemberStatus => "Your membership is paused, suspended or cancelled, so it books nothing at the moment.",
        TierRule.MembershipRequired => "You have no plan yet, and bookings come with a plan.",
        TierRule.ResourceKind => $"Your plan does not include this. It books: {Kinds(violation.Limit)}.",
        TierRule.HomeSite => "Your plan books at your home site only.",
        TierRule.StaffedHours => "Your plan books only while the building is staffed.",
        TierRule.AdvanceBookingHours => $"Your plan books up to {Hours(violation.Limit)} ahead.",
        TierRule.DailyBookingHours => $"That would go past your plan's {Hours(violation.Limit)} of bookings a day.",
        TierRule.ConcurrentRoomBookings => $"Your plan holds up to {Number(violation.Limit)} upcoming meeting-room bookings at a time.",
        TierRule.RoomHoursPerMonth => $"That would go past your plan's {Hours(violation.Limit)} of meeting rooms this month.",
        TierRule.BookingCreditsPerMonth => $"That would go past your plan's {Number(violation.Limit)} bookings this month.",
        _ => $"That would go past your plan's {Number(violation.Limit)} guest passes this month.",
    };

    private static string Kinds(object? limit) => limit is IEnumerable<ResourceKind> kinds
        ? string.Join(", ", kinds.Select(k => DoorText.Resource(k).ToLowerInvariant()))
        : "nothing";

    private static string Hours(object? limit) => limit is int hours && hours % 24 == 0 && hours >= 48
        ? $"{(hours / 24).ToString(CultureInfo.InvariantCulture)} days"
        : limit is 1 ? "1 hour" : $"{Number(limit)} hours";

    private static string Number(object? limit) => Convert.ToString(limit, CultureInfo.InvariantCulture) ?? "0";
}
