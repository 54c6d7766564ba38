using Coworking.Hub.Billing;
using Coworking.Hub.Memberships;
using Coworking.Hub.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Billing;

/// <summary>The billing clock's schedules with a fake clock: catching up after downtime, renewal reminders.</summary>
public sealed class ScheduleTests(BillingHubFixture hub) : IClassFixture<BillingHubFixture>
{
    [Fact]
    public async Task Hub_down_for_three_periods_charges_each_missed_period_once_on_the_first_tick()
    {
        hub.Time.AdjustTime(new DateTimeOffset(2026, 1, 10, 9, 0, 0, TimeSpan.Zero));
        var admin = await hub.NewOrganisationAsync();
        var site = await Workspace.SiteAsync(admin);
        var member = await Workspace.MemberAsync(admin, site.LocationId, await Workspace.TierAsync(admin, Workspace.Terms(("priceMinor", 30000)), "Flex"));
        await TickAsync();

        hub.Time.AdjustTime(new DateTimeOffset(2026, 4, 12, 9, 0, 0, TimeSpan.Zero));
        await TickAsync();
        await TickAsync();

        var invoices = (await admin.GetJsonAsync($"/api/v1/members/{member}/invoices")).Items();
        Assert.Equal(2, invoices.Count);
        var catchUp = await admin.GetJsonAsync($"/api/v1/invoices/{invoices[0].Id()}");
        Assert.Equal(
            ["Flex membership, 10 Feb – 9 Mar 2026", "Flex membership, 10 Mar – 9 Apr 2026", "Flex membership, 10 Apr – 9 May 2026"],
            catchUp["lines"]!.AsArray().Select(l => l!["description"]!.GetValue<string>()));
        Assert.Equal(90000, catchUp["grossMinor"]!.GetValue<long>());
    }

    [Fact]
    public async Task Renewal_reminder_is_sent_once_three_days_before_the_period_ends()
    {
        hub.Time.AdjustTime(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero));
        var admin = await hub.NewOrganisationAsync();
        var site = await Workspace.SiteAsync(admin);
        var member = await Workspace.MemberAsync(admin, site.LocationId, await Workspace.TierAsync(admin, Workspace.Terms(), "Resident"));
        var clock = hub.Services.GetRequiredService<BillingClock>();

        hub.Time.AdjustTime(new DateTimeOffset(2026, 6, 26, 9, 0, 0, TimeSpan.Zero));
        var early = await clock.SendRenewalRemindersAsync(default);
        hub.Time.AdjustTime(new DateTimeOffset(2026, 6, 29, 9, 0, 0, TimeSpan.Zero));
        var due = await clock.SendRenewalRemindersAsync(default);
        var again = await clock.SendRenewalRemindersAsync(default);

        Assert.Equal((0, 1, 0), (early, due, again));
        Assert.Equal(1, await hub.CountAsync($"renewal_reminders WHERE member_id = '{member}'"));
    }

    private async Task TickAsync()
    {
        await hub.Services.GetRequiredService<MembershipStore>().ApplyDueAsync(default);
        await hub.Services.GetRequiredService<BillingClock>().TickAsync(default);
    }
}
