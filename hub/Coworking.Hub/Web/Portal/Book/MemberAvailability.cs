using Coworking.Hub.Auth;
using Coworking.Hub.Billing;
using Coworking.Hub.Bookings;
using Coworking.Hub.Locations;
using Coworking.Hub.Memberships;
using Coworking.Hub.Resources;
using Coworking.Hub.Tiers;

namespace Coworking.Hub.Web.Portal.Book;

/// <summary>What the booking page shows: the organisation's locations, the one chosen, and one day or a week of its resources of one kind.</summary>
internal sealed record BookView(
    IReadOnlyList<LocationResponse> Locations, LocationResponse Location, TimeZoneInfo Zone, ResourceKind Kind, DateOnly Date, bool Week,
    IReadOnlyList<AvailabilityResponse> Days);

/// <summary>
/// An upgrade the portal offers when a tier rule refuses a booking: the tier that would allow it, what the change costs
/// now for the rest of the paid period (the new plan's unused days less the old plan's, <see cref="Proration.Change"/>),
/// and its price from then on.
/// </summary>
internal sealed record UpgradeOffer(EffectiveTier Tier, Money DueNow, DateOnly PeriodEnd, string PriceText);

/// <summary>
/// The member's side of availability: the same <see cref="Availability"/> the API answers, for a location of the
/// member's organisation, and the upgrade offer for a refused booking. Holds no rule: the booking store decides.
/// </summary>
internal sealed class MemberAvailability(LocationStore locations, Availability availability, MembershipStore memberships, TimeProvider time)
{
    public async Task<BookView?> ReadAsync(Caller caller, Guid? homeLocationId, Guid? locationId, ResourceKind kind, DateOnly? date, bool week, CancellationToken cancellationToken)
    {
        var all = await locations.ListAsync(caller.OrganisationId, null, cancellationToken);
        var location = all.FirstOrDefault(l => l.Id == locationId) ?? all.FirstOrDefault(l => l.Id == homeLocationId) ?? all.FirstOrDefault();
        if (location is null)
        {
            return null;
        }

        var zone = ZoneTime.Zone(location.TimeZone);
        var today = ZoneTime.DateOf(time.GetUtcNow(), zone);
        var first = date is { } d && d >= today ? d : today;
        var days = new List<AvailabilityResponse>(week ? 7 : 1);
        for (var i = 0; i < (week ? 7 : 1); i++)
        {
            days.Add(await availability.ForDayAsync(location.Id, location.TimeZone, first.AddDays(i), kind, cancellationToken));
        }

        return new BookView(all, location, zone, kind, first, week, days);
    }

    /// <summary>The offer for <paramref name="upgradeTo"/>, priced over the member's current period; null without a membership.</summary>
    public async Task<UpgradeOffer?> OfferAsync(Caller caller, EffectiveTier? current, EffectiveTier upgradeTo, string timeZone, CancellationToken cancellationToken)
    {
        if (await memberships.GetAsync(caller.ForOwnData(), caller.MemberId!.Value, cancellationToken) is not { } membership)
        {
            return null;
        }

        var zone = ZoneTime.Zone(timeZone);
        var period = new BillingPeriod(ZoneTime.DateOf(membership.PeriodStart, zone), ZoneTime.DateOf(membership.PeriodEnd, zone));
        var today = ZoneTime.DateOf(time.GetUtcNow(), zone);
        var terms = upgradeTo.Terms;
        var newPrice = new Money(terms.PriceMinor, terms.Currency);
        var due = Money.Zero(terms.Currency);
        if (period.Contains(today))
        {
            var oldPrice = current is { } c && c.Terms.Currency == terms.Currency ? new Money(c.Terms.PriceMinor, c.Terms.Currency) : Money.Zero(terms.Currency);
            var (credit, charge) = Proration.Change(oldPrice, newPrice, period, today);
            due = credit + charge;
        }

        return new UpgradeOffer(upgradeTo, due, period.End, $"{newPrice} {(terms.BillingInterval == BillingInterval.Weekly ? "a week" : "a month")}");
    }
}
