using Coworking.Hub.Locations;
using Coworking.Hub.Members;
using Coworking.Hub.Resources;
using Coworking.Hub.Tiers;

namespace Coworking.Hub.Bookings;

/// <summary>The rules a booking is checked against, by their wire names in the 422 answer's <c>rule</c>.</summary>
public enum TierRule
{
    /// <summary>The member is paused, suspended or cancelled: no tier allows booking.</summary>
    MemberStatus,

    /// <summary>The member holds no membership.</summary>
    MembershipRequired,

    /// <summary>The tier does not allow this kind of resource; the limit lists the kinds it allows.</summary>
    ResourceKind,

    /// <summary>The resource is at another site than the member's home and the tier is for the home site only.</summary>
    HomeSite,

    /// <summary>The tier gives staffed-hours access and the booking leaves the location's staffed hours.</summary>
    StaffedHours,

    /// <summary>The booking starts further ahead than the tier's advance booking window (hours).</summary>
    AdvanceBookingHours,

    /// <summary>The member's bookings on a local day would exceed the tier's daily hours.</summary>
    DailyBookingHours,

    /// <summary>The member would hold more upcoming meeting-room bookings than the tier allows at once.</summary>
    ConcurrentRoomBookings,

    /// <summary>The member's meeting-room hours in the calendar month would exceed the tier's.</summary>
    RoomHoursPerMonth,

    /// <summary>The member's bookings in the calendar month would exceed the tier's credits (one per booking).</summary>
    BookingCreditsPerMonth,

    /// <summary>The member's visitor passes in the calendar month would exceed the tier's.</summary>
    GuestPassesPerMonth,
}

/// <summary>A refused booking: the rule, its limit in the tier (null when the rule has no number).</summary>
public sealed record RuleViolation(TierRule Rule, object? Limit);

/// <summary>
/// What the member has already booked, counted around one requested booking, with the request itself included:
/// the busiest local day it touches, the upcoming meeting-room bookings, and the calendar month of its start.
/// </summary>
internal sealed record BookingUsage(TimeSpan BusiestDay, int UpcomingRoomBookings, TimeSpan RoomTimeInMonth, int BookingsInMonth);

/// <summary>
/// Everything the rules look at for one requested booking, apart from the tier. An occurrence of a recurring
/// series (<see cref="InSeries"/>) is a standing arrangement made once: the advance window does not limit it.
/// </summary>
internal sealed record BookingRequestFacts(
    MemberStatus Status, Guid? HomeLocationId, Guid LocationId, ResourceKind Kind, Interval Booking, DateTimeOffset Now, bool InsideStaffedHours,
    BookingUsage Usage, bool InSeries = false);

/// <summary>
/// Checks a booking against a tier's terms in a fixed order and answers the first rule it breaks. A limit is a
/// ceiling the booking may reach: at 4 daily hours a member with 3 booked may add 1, with 4 booked may not.
/// Pure: the store gathers the facts in the booking's transaction, under the member's row lock.
/// </summary>
internal static class TierRules
{
    public static RuleViolation? Check(TierTerms? terms, BookingRequestFacts facts)
    {
        if (facts.Status != MemberStatus.Active)
        {
            return new RuleViolation(TierRule.MemberStatus, null);
        }

        if (terms is null)
        {
            return new RuleViolation(TierRule.MembershipRequired, null);
        }

        if (!terms.AllowedResourceKinds.Contains(facts.Kind))
        {
            return new RuleViolation(TierRule.ResourceKind, terms.AllowedResourceKinds);
        }

        if (!terms.AllSites && facts.HomeLocationId != facts.LocationId)
        {
            return new RuleViolation(TierRule.HomeSite, null);
        }

        if (terms.Access != TierAccess.AllHours && !facts.InsideStaffedHours)
        {
            return new RuleViolation(TierRule.StaffedHours, null);
        }

        if (terms.AdvanceBookingHours is { } advance && !facts.InSeries && facts.Booking.Start > facts.Now.AddHours(advance))
        {
            return new RuleViolation(TierRule.AdvanceBookingHours, advance);
        }

        var usage = facts.Usage;
        if (terms.DailyBookingHours is { } daily && usage.BusiestDay > TimeSpan.FromHours(daily))
        {
            return new RuleViolation(TierRule.DailyBookingHours, daily);
        }

        if (facts.Kind == Resources.ResourceKind.MeetingRoom)
        {
            if (terms.MaxConcurrentRoomBookings is { } concurrent && usage.UpcomingRoomBookings > concurrent)
            {
                return new RuleViolation(TierRule.ConcurrentRoomBookings, concurrent);
            }

            if (terms.RoomHoursPerMonth is { } roomHours && usage.RoomTimeInMonth > TimeSpan.FromHours(roomHours))
            {
                return new RuleViolation(TierRule.RoomHoursPerMonth, roomHours);
            }
        }

        if (terms.BookingCreditsPerMonth is { } credits && usage.BookingsInMonth > credits)
        {
            return new RuleViolation(TierRule.BookingCreditsPerMonth, credits);
        }

        return null;
    }

    /// <summary>
    /// The rules for registering a visitor: the host's status and membership, the home site, and the monthly
    /// allowance, which <paramref name="guestsInMonth"/> (this visitor included) may reach but not pass.
    /// </summary>
    public static RuleViolation? CheckGuest(TierTerms? terms, MemberStatus status, Guid? homeLocationId, Guid locationId, int guestsInMonth)
    {
        if (status != MemberStatus.Active)
        {
            return new RuleViolation(TierRule.MemberStatus, null);
        }

        if (terms is null)
        {
            return new RuleViolation(TierRule.MembershipRequired, null);
        }

        if (!terms.AllSites && homeLocationId != locationId)
        {
            return new RuleViolation(TierRule.HomeSite, null);
        }

        return terms.GuestPassesPerMonth is { } allowance && guestsInMonth > allowance
            ? new RuleViolation(TierRule.GuestPassesPerMonth, allowance)
            : null;
    }

    /// <summary>
    /// The upgrade prompt: the cheapest tier (per month, then by name) other than the member's under which the
    /// booking passes every rule; null when none would, or when no tier can help (the member's status).
    /// </summary>
    public static EffectiveTier? TierThatAllows(IEnumerable<EffectiveTier> tiers, Guid? currentTierId, BookingRequestFacts facts) =>
        facts.Status != MemberStatus.Active
            ? null
            : tiers.Where(t => t.Id != currentTierId && Check(t.Terms, facts) is null)
                .OrderBy(t => t.Terms.MonthlyPrice).ThenBy(t => t.Name, StringComparer.OrdinalIgnoreCase)
                .FirstOrDefault();
}
