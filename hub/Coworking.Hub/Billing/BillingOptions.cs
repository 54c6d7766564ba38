namespace Coworking.Hub.Billing;

/// <summary>
/// Billing settings (section Billing): payment terms, late fee after a grace, the dunning schedule, renewal
/// reminders, and where members update their card. Durations are whole days. RunSchedules false keeps this instance
/// from running the billing clock (another instance runs it; tests drive it by hand).
/// </summary>
internal sealed record BillingOptions(
    int PaymentTermsDays,
    int LateFeeGraceDays,
    long LateFeeMinor,
    IReadOnlyList<int> RetryDays,
    int SuspendAfterFailures,
    int RenewalReminderDays,
    Uri PortalBaseUrl,
    bool RunSchedules)
{
    public static readonly IReadOnlyList<int> DefaultRetryDays = [3, 5, 7];

    public static BillingOptions Read(IConfiguration configuration)
    {
        var section = configuration.GetSection("Billing");
        var retries = section.GetSection("RetryDays").Get<int[]>() is { Length: > 0 } configured ? configured : [.. DefaultRetryDays];
        if (retries.Any(d => d is < 1 or > 60))
        {
            throw new InvalidOperationException("Billing:RetryDays must be days between 1 and 60.");
        }

        return new BillingOptions(
            section.GetValue("PaymentTermsDays", 14),
            section.GetValue("LateFeeGraceDays", 7),
            section.GetValue("LateFeeMinor", 0L),
            retries,
            section.GetValue("SuspendAfterFailures", retries.Length + 1),
            section.GetValue("RenewalReminderDays", 3),
            new Uri(section["PortalBaseUrl"] ?? "http://localhost:5080/"),
            section.GetValue("RunSchedules", true));
    }
}
