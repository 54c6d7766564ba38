using System.Globalization;
using Coworking.Hub.Bookings;
using Coworking.Hub.Web.Portal.Book;

namespace Coworking.Hub.Web.Portal.Visitors;

/// <summary>Why the plan refuses a guest, in the member's words (the rules are the visitors store's, TierRules.CheckGuest).</summary>
internal static class VisitorText
{
    public static string Refused(RuleViolation violation) => violation.Rule switch
    {
        TierRule.MemberStatus => "Your membership is paused, suspended or cancelled, so it registers no guests at the moment.",
        TierRule.MembershipRequired => "You have no plan yet, and guest passes come with a plan.",
        TierRule.HomeSite => "Your plan registers guests at your home site only.",
        TierRule.GuestPassesPerMonth =>
            $"Your plan's {Convert.ToString(violation.Limit, CultureInfo.InvariantCulture)} guest passes for that month are used: cancel a visit that month, or ask the front desk.",
        _ => BookText.Refused(violation),
    };
}
