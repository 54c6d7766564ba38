namespace Coworking.Hub.Billing;

/// <summary>
/// Billing settings (section Billing): payment terms, late fee after a grace, the dunning schedule, renewal
/// reminders, and where members update their card. Durations are whole days, except two for demos and end-to-end
/// tests that cannot wait days: RetryDelays (time spans, replacing RetryDays when set) and ScheduleInterval (how often
/// the billing clock ticks, a minute by default). RunSchedules false keeps this instance from running the billing
/// clock (another instance runs it; tests drive it by hand).
/// </summary>
internal sealed record BillingOptions(
    int PaymentTermsDays,
    int LateFeeGraceDays,
    long LateFeeMinor,
    IReadOnlyList<TimeSpan> RetryDelays,
    int SuspendAfterFailures,
    int RenewalReminderDays,
    Uri PortalBaseUrl,
    bool RunSchedules,
    TimeSpan ScheduleInterval)
{
    public static readonly IReadOnlyList<int> DefaultRetryDays = [3, 5, 7];

    public static BillingOptions Read(IConfiguration configuration)
    {
        var section = configuration.GetSection("Billing");
        var days = section.GetSection("RetryDays").Get<int[]>() is { Length: > 0 } configured ? configured : [.. DefaultRetryDays];
        if (days.Any(d => d is < 1 or > 60))
        {
            throw new InvalidOperationException("Billing:RetryDays must be days between 1 and 60.");
        }

        var delays = section.GetSection("RetryDelays").Get<TimeSpan[]>() is { Length: > 0 } spans ? spans : [.. days.Select(d => TimeSpan.FromDays(d))];
        if (delays.Any(d => d < TimeSpan.FromSeconds(1) || d > TimeSpan.FromDays(60)))
        {
            throw new InvalidOperationException("Billing:RetryDelays must be time spans between 00:00:01 and 60.00:00:00.");
        }

        var interval = section.GetValue("ScheduleInterval", TimeSpan.FromMinutes(1));
        if (interval < TimeSpan.FromSeconds(1) || interval > TimeSpan.FromHours(1))
        {
            throw new InvalidOperationException("Billing:ScheduleInterval must be between 00:00:01 and 01:00:00.");
        }

        return new BillingOptions(
            section.GetValue("PaymentTermsDays", 14),
            section.GetValue("LateFeeGraceDays", 7),
            section.GetValue("LateFeeMinor", 0L),
            delays,
            section.GetValue("SuspendAfterFailures", delays.Length + 1),
            section.GetValue("RenewalReminderDays", 3),
            new Uri(section["PortalBaseUrl"] ?? "http://localhost:5080/"),
            section.GetValue("RunSchedules", true),
            interval);
    }
}
