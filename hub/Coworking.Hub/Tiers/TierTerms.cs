using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Coworking.Hub.Billing;
using Coworking.Hub.Http;
using Coworking.Hub.Locations;
using Coworking.Hub.Resources;

namespace Coworking.Hub.Tiers;

public enum TierKind
{
    HotDesk,
    DedicatedDesk,
    PrivateOffice,
    Virtual,
    DayPass,
}

public enum BillingInterval
{
    Monthly,
    Weekly,
}

/// <summary>What the membership grant of a tier opens (ARCHITECTURE §3).</summary>
public enum TierAccess
{
    /// <summary>Every door of the home location at all hours.</summary>
    AllHours,

    /// <summary>Every door of the home location inside its staffed hours.</summary>
    StaffedHours,

    /// <summary>No membership grant: only the doors of what the member books.</summary>
    BookingsOnly,
}

/// <summary>
/// A tier's terms as sent or stored: any field may be missing. A missing or null limit is unlimited; the
/// other fields have the defaults <see cref="Validate"/> names.
/// </summary>
public sealed record TierTermsInput(
    TierKind? Kind = null,
    long? PriceMinor = null,
    string? Currency = null,
    BillingInterval? BillingInterval = null,
    int? AdvanceBookingHours = null,
    int? DailyBookingHours = null,
    int? MaxConcurrentRoomBookings = null,
    int? RoomHoursPerMonth = null,
    int? BookingCreditsPerMonth = null,
    int? GuestPassesPerMonth = null,
    IReadOnlyList<ResourceKind>? AllowedResourceKinds = null,
    TierAccess? Access = null,
    bool? AllSites = null,
    int? NoticeDays = null)
{
    /// <summary>The JSON keys of the terms, as an override may name them.</summary>
    public static readonly IReadOnlySet<string> Keys = typeof(TierTermsInput).GetProperties()
        .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).ToHashSet(StringComparer.Ordinal);

    /// <summary>Checks every field, naming it after <paramref name="prefix"/>; the terms with defaults filled, or null.</summary>
    internal TierTerms? Validate(ValidationErrors errors, string prefix = "terms.")
    {
        var before = errors.Any;
        var failed = false;
        void Fail(string field, string message)
        {
            errors.Add(prefix + field, message);
            failed = true;
        }

        if (Kind is null)
        {
            Fail("kind", "is required: hot_desk, dedicated_desk, private_office, virtual or day_pass");
        }

        if (PriceMinor is null or < 0 or > Money.MaxMinor)
        {
            Fail("priceMinor", $"is required: the price in minor units of the currency, 0 to {Money.MaxMinor}");
        }

        if (Currency is null || !IsoCodes.Currencies.Contains(Currency))
        {
            Fail("currency", "must be an ISO 4217 currency code such as GBP");
        }

        if (BillingInterval is null)
        {
            Fail("billingInterval", "is required: monthly or weekly");
        }

        foreach (var (field, value, max) in new (string, int?, int)[]
        {
            ("advanceBookingHours", AdvanceBookingHours, 24 * 366),
            ("dailyBookingHours", DailyBookingHours, 24),
            ("maxConcurrentRoomBookings", MaxConcurrentRoomBookings, 1000),
            ("roomHoursPerMonth", RoomHoursPerMonth, 24 * 31),
            ("bookingCreditsPerMonth", BookingCreditsPerMonth, 100_000),
            ("guestPassesPerMonth", GuestPassesPerMonth, 100_000),
        })
        {
            if (value is { } limit && (limit < 0 || limit > max))
            {
                Fail(field, $"must be between 0 and {max}, or null for unlimited");
            }
        }

        if (AllowedResourceKinds is { Count: 0 })
        {
            Fail("allowedResourceKinds", "must name at least one resource kind, or be absent for all");
        }

        if (NoticeDays is < 0 or > 366)
        {
            Fail("noticeDays", "must be between 0 and 366");
        }

        if (failed || before)
        {
            return null;
        }

        return new TierTerms(
            Kind!.Value, PriceMinor!.Value, Currency!, BillingInterval!.Value, AdvanceBookingHours, DailyBookingHours, MaxConcurrentRoomBookings,
            RoomHoursPerMonth, BookingCreditsPerMonth, GuestPassesPerMonth, AllowedResourceKinds?.Distinct().Order().ToArray() ?? Enum.GetValues<ResourceKind>(),
            Access ?? TierAccess.StaffedHours, AllSites ?? false, NoticeDays ?? 0);
    }
}

/// <summary>
/// A tier's terms in force (at a location, after its override). Limits are null when unlimited; hours are
/// whole hours; counts and hours per month are per calendar month of the location's time zone.
/// </summary>
public sealed record TierTerms(
    TierKind Kind,
    long PriceMinor,
    string Currency,
    BillingInterval BillingInterval,
    int? AdvanceBookingHours,
    int? DailyBookingHours,
    int? MaxConcurrentRoomBookings,
    int? RoomHoursPerMonth,
    int? BookingCreditsPerMonth,
    int? GuestPassesPerMonth,
    IReadOnlyList<ResourceKind> AllowedResourceKinds,
    TierAccess Access,
    bool AllSites,
    int NoticeDays)
{
    /// <summary>How terms are stored: the API's JSON, nulls written so an override can set a limit to unlimited.</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };

    /// <summary>The price per month, to rank tiers billed weekly and monthly together.</summary>
    public decimal MonthlyPrice => BillingInterval == BillingInterval.Weekly ? PriceMinor * 52m / 12m : PriceMinor;

    /// <summary>These terms with the keys of <paramref name="overrides"/> laid over them.</summary>
    internal TierTermsInput With(JsonObject? overrides)
    {
        var merged = JsonSerializer.SerializeToNode(this, Json)!.AsObject();
        foreach (var (key, value) in overrides ?? [])
        {
            merged[key] = value?.DeepClone();
        }

        return merged.Deserialize<TierTermsInput>(Json)!;
    }
}
