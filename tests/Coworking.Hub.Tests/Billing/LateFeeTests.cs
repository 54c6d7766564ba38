using Coworking.Hub.Billing;
using Coworking.Hub.Memberships;
using Coworking.Hub.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Billing;

/// <summary>Late fees (Billing:LateFeeMinor) on invoices still open after the due date plus the grace, with a fake clock.</summary>
public sealed class LateFeeTests(LateFeeHubFixture hub) : IClassFixture<LateFeeHubFixture>
{
    [Fact]
    public async Task Invoice_unpaid_seven_days_after_it_fell_due_gets_one_late_fee_on_the_next_invoice_and_the_fee_gets_none()
    {
        var joined = new DateTimeOffset(2026, 5, 4, 9, 0, 0, TimeSpan.Zero);
        hub.Time.AdjustTime(joined);
        var admin = await hub.NewOrganisationAsync();
        var site = await Workspace.SiteAsync(admin);
        var member = await Workspace.MemberAsync(admin, site.LocationId, await Workspace.TierAsync(admin, Workspace.Terms(("priceMinor", 20000)), "Flex"));
        var clock = hub.Services.GetRequiredService<BillingClock>();
        await TickAsync();
        var first = Assert.Single((await admin.GetJsonAsync($"/api/v1/members/{member}/invoices")).Items());
        var number = (await admin.GetJsonAsync($"/api/v1/invoices/{first.Id()}"))["number"]!.GetValue<string>();

        hub.Time.AdjustTime(joined.AddDays(14 + 7).AddMinutes(-1));
        var withinGrace = await clock.PostLateFeesAsync(default);
        hub.Time.AdjustTime(joined.AddDays(14 + 7));
        var afterGrace = await clock.PostLateFeesAsync(default);
        var again = await clock.PostLateFeesAsync(default);
        await TickAsync();

        Assert.Equal((0, 1, 0), (withinGrace, afterGrace, again));
        var invoices = (await admin.GetJsonAsync($"/api/v1/members/{member}/invoices")).Items();
        Assert.Equal(2, invoices.Count);
        var fee = await admin.GetJsonAsync($"/api/v1/invoices/{invoices[0].Id()}");
        var line = Assert.Single(fee["lines"]!.AsArray())!;
        Assert.Equal(($"Late fee: {number} unpaid 7 days after it was due", LateFeeHubFixture.LateFeeMinor), (line["description"]!.GetValue<string>(), line["grossMinor"]!.GetValue<long>()));

        hub.Time.AdjustTime(joined.AddDays(14 + 7 + 14 + 7 + 1));
        Assert.Equal(0, await clock.PostLateFeesAsync(default));
    }

    private async Task TickAsync()
    {
        await hub.Services.GetRequiredService<MembershipStore>().ApplyDueAsync(default);
        await hub.Services.GetRequiredService<BillingClock>().TickAsync(default);
    }
}
