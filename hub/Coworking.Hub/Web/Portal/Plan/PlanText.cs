using System.Globalization;
using Coworking.Hub.Locations;
using Coworking.Hub.Members;
using Coworking.Hub.Tiers;
using Coworking.Hub.Web.Console.Doors;

namespace Coworking.Hub.Web.Portal.Plan;

/// <summary>How the plan page words a tier's terms and what is left of them: the same terms the booking rules enforce.</summary>
internal static class PlanText
{
    public static string Status(MemberStatus status) => status switch
    {
        MemberStatus.Active => "Active",
        MemberStatus.Paused => "Paused",
        MemberStatus.Suspended => "Suspended: bookings and doors are closed to you until the operator lifts it",
        _ => "Cancelled",
    };

    public static string Kinds(TierTerms terms) => terms.AllowedResourceKinds.Count == 0
        ? "Nothing: this plan books no desks or rooms"
        : string.Join(", ", terms.AllowedResourceKinds.Select(DoorText.Resource));

    public static string Sites(TierTerms terms, string? home) => terms.AllSites
        ? "Every site of the operator"
        : home is null ? "Your home site (you have none yet: ask the front desk)" : $"{home} only";

    public static string When(TierTerms terms, StaffedHours? staffed) => terms.Access switch
    {
        TierAccess.AllHours => "Any time, day or night",
        TierAccess.StaffedHours => $"While the building is staffed: {DoorText.Hours(staffed, "no staffed hours are set")}",
        _ => "Only the times you have booked: the doors open for your bookings",
    };

    public static string Ahead(TierTerms terms) => terms.AdvanceBookingHours switch
    {
        null => "As far ahead as you like",
        var hours when hours % 24 == 0 => $"Up to {Count(hours.Value / 24, "day")} ahead",
        var hours => $"Up to {Count(hours!.Value, "hour")} ahead",
    };

    public static string Daily(TierTerms terms) => terms.DailyBookingHours is { } hours ? $"Up to {Count(hours, "hour")} of bookings a day" : "No daily limit";

    public static string Concurrent(TierTerms terms) => terms.MaxConcurrentRoomBookings is { } rooms
        ? $"Up to {Count(rooms, "upcoming meeting-room booking")} at a time"
        : "No limit on upcoming meeting-room bookings";

    /// <summary>"3 h 30 min of 10 hours used, 6 h 30 min left"; or how much was booked when the plan includes no limit.</summary>
    public static string RoomHours(TierTerms terms, TimeSpan used) => terms.RoomHoursPerMonth is { } included
        ? $"{Duration(used)} of {Count(included, "hour")} used, {Duration(Max(TimeSpan.FromHours(included) - used))} left"
        : $"Unlimited ({Duration(used)} booked)";

    public static string Allowance(int? allowed, int used, string unit) => allowed is { } limit
        ? $"{used} of {limit} used, {Math.Max(0, limit - used)} left"
        : $"Unlimited ({Count(used, unit)} so far)";

    public static string Notice(TierTerms terms) => terms.NoticeDays == 0
        ? "Cancel any time: it ends at once"
        : $"Cancelling takes {Count(terms.NoticeDays, "day")}' notice";

    public static string Price(TierTerms terms) =>
        $"{new Billing.Money(terms.PriceMinor, terms.Currency)} {(terms.BillingInterval == BillingInterval.Weekly ? "a week" : "a month")}";

    /// <summary>A date on the home location's calendar, e.g. "Tue 1 Dec 2026".</summary>
    public static string Date(DateTimeOffset instant, TimeZoneInfo zone) =>
        ZoneTime.Local(instant, zone).ToString("ddd d MMM yyyy", CultureInfo.InvariantCulture);

    public static string Month(Interval month, TimeZoneInfo zone) =>
        ZoneTime.Local(month.Start, zone).ToString("MMMM yyyy", CultureInfo.InvariantCulture);

    private static TimeSpan Max(TimeSpan left) => left < TimeSpan.Zero ? TimeSpan.Zero : left;

    private static string Duration(TimeSpan time)
    {
        var hours = (int)time.TotalHours;
        var minutes = time.Minutes;
        return (hours, minutes) switch
        {
            (0, 0) => "0 h",
            (_, 0) => $"{hours} h",
            (0, _) => $"{minutes} min",
            _ => $"{hours} h {minutes} min",
        };
    }

    private static string Count(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";
}
