using System.Text.Json.Nodes;
using Coworking.Hub.Billing;
using Coworking.Hub.Memberships;
using Coworking.Hub.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Billing;

/// <summary>
/// The month of issue 7's "Done when", with a fake clock, hand-worked in each test: a member joins Flex (£300.00 a
/// month, 4 room hours) on Saturday 10 January 2026 in London, upgrades to Resident (£450.00, 5 room hours, £20.00
/// per extra hour) on the 20th, books a meeting room for 8 hours (3 beyond Resident's 5) and buys a £15.00 day pass.
/// At the period end on 10 February one invoice carries the proration, the overage, the day pass and the next period.
/// </summary>
public sealed class InvoiceMonthTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    private static readonly DateTimeOffset JoinedAt = new(2026, 1, 10, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Month_with_upgrade_overage_and_day_pass_invoices_the_hand_worked_lines_with_vat_included()
    {
        var (admin, member) = await LiveTheMonthAsync(inclusive: true);

        var invoices = await InvoicesAsync(admin, member);

        var first = invoices[0];
        Assert.Equal("INV-000001", first["number"]!.GetValue<string>());
        // £300.00 including 20 % VAT: net 300.00 / 1.2 = 250.00, VAT 50.00.
        AssertLine(first, 1, "Flex membership, 10 Jan – 9 Feb 2026", 1, 30000, net: 25000, tax: 5000, gross: 30000);
        Assert.Single(first["lines"]!.AsArray());

        var second = invoices[1];
        Assert.Equal("INV-000002", second["number"]!.GetValue<string>());
        Assert.Equal(5, second["lines"]!.AsArray().Count);
        // Gross is the price; net = round(gross / 1.2), half away from zero; VAT = gross - net.
        // 3 h x £20.00 = 60.00: net 50.00, VAT 10.00.
        AssertLine(second, 1, "Meeting-room hours beyond the 5 included, 10 Jan – 9 Feb 2026", 3, 2000, net: 5000, tax: 1000, gross: 6000);
        // 21 of 31 days unused: -300.00 x 21 / 31 = -203.2258 -> -203.23; net -169.358 -> -169.36, VAT -33.87.
        AssertLine(second, 2, "Flex: unused 21 of 31 days, 20 Jan – 9 Feb 2026", 1, -20323, net: -16936, tax: -3387, gross: -20323);
        // 450.00 x 21 / 31 = 304.8387 -> 304.84; net 254.033 -> 254.03, VAT 50.81.
        AssertLine(second, 3, "Resident: 21 of 31 days, 20 Jan – 9 Feb 2026", 1, 30484, net: 25403, tax: 5081, gross: 30484);
        AssertLine(second, 4, "Day pass, 25 Jan 2026", 1, 1500, net: 1250, tax: 250, gross: 1500);
        AssertLine(second, 5, "Resident membership, 10 Feb – 9 Mar 2026", 1, 45000, net: 37500, tax: 7500, gross: 45000);
        // 60.00 - 203.23 + 304.84 + 15.00 + 450.00 = 626.61; net 50.00 - 169.36 + 254.03 + 12.50 + 375.00 = 522.17; VAT 104.44.
        Assert.Equal((52217, 10444, 62661), Totals(second));
        var rate = Assert.Single(second["taxSummary"]!.AsArray())!;
        Assert.Equal((52217, 10444, 62661), (rate["netMinor"]!.GetValue<long>(), rate["taxMinor"]!.GetValue<long>(), rate["grossMinor"]!.GetValue<long>()));
        Assert.Equal("open", second["status"]!.GetValue<string>());
        Assert.Equal(62661, second["amountDueMinor"]!.GetValue<long>());
    }

    [Fact]
    public async Task Month_with_upgrade_overage_and_day_pass_invoices_the_hand_worked_lines_with_tax_added()
    {
        var (admin, member) = await LiveTheMonthAsync(inclusive: false);

        var invoices = await InvoicesAsync(admin, member);

        // The amount is net; tax = round(net x 0.2), half away from zero; gross = net + tax.
        AssertLine(invoices[0], 1, "Flex membership, 10 Jan – 9 Feb 2026", 1, 30000, net: 30000, tax: 6000, gross: 36000);
        var second = invoices[1];
        AssertLine(second, 1, "Meeting-room hours beyond the 5 included, 10 Jan – 9 Feb 2026", 3, 2000, net: 6000, tax: 1200, gross: 7200);
        // -203.23 x 0.2 = -40.646 -> -40.65.
        AssertLine(second, 2, "Flex: unused 21 of 31 days, 20 Jan – 9 Feb 2026", 1, -20323, net: -20323, tax: -4065, gross: -24388);
        // 304.84 x 0.2 = 60.968 -> 60.97.
        AssertLine(second, 3, "Resident: 21 of 31 days, 20 Jan – 9 Feb 2026", 1, 30484, net: 30484, tax: 6097, gross: 36581);
        AssertLine(second, 4, "Day pass, 25 Jan 2026", 1, 1500, net: 1500, tax: 300, gross: 1800);
        AssertLine(second, 5, "Resident membership, 10 Feb – 9 Mar 2026", 1, 45000, net: 45000, tax: 9000, gross: 54000);
        // Net 626.61; tax 12.00 - 40.65 + 60.97 + 3.00 + 90.00 = 125.32; gross 751.93.
        Assert.Equal((62661, 12532, 75193), Totals(second));
    }

    /// <summary>Sets up a fresh organisation and lives the month; answers its admin client and the member.</summary>
    private async Task<(HttpClient Admin, Guid Member)> LiveTheMonthAsync(bool inclusive)
    {
        hub.Time.AdjustTime(JoinedAt.AddHours(-1));
        var admin = await hub.NewOrganisationAsync();
        var site = await Workspace.SiteAsync(admin);
        await admin.PutJsonAsync($"/api/v1/locations/{site.LocationId}/tax-rate", new { name = "VAT", partsPerMillion = 200_000, inclusive });
        var flex = await Workspace.TierAsync(admin, Workspace.Terms(("priceMinor", 30000), ("roomHoursPerMonth", 4)), "Flex");
        var resident = await Workspace.TierAsync(admin, Workspace.Terms(("priceMinor", 45000), ("roomHoursPerMonth", 5)), "Resident");
        foreach (var (tier, roomHour) in new[] { (flex, 2500), (resident, 2000) })
        {
            await admin.PutJsonAsync($"/api/v1/tiers/{tier}/prices/room_hour", new { name = "Meeting-room hour", unitPriceMinor = roomHour });
            await admin.PutJsonAsync($"/api/v1/tiers/{tier}/prices/day_pass", new { name = "Day pass", unitPriceMinor = 1500 });
        }

        var room = await Workspace.ResourceAsync(admin, site, "meeting_room");
        var member = await HubFixture.CreateMemberAsync(admin, site.LocationId);

        hub.Time.AdjustTime(JoinedAt);
        await admin.PostJsonAsync($"/api/v1/members/{member}/membership", new { tierId = flex, channel = "website" });
        await RunBillingAsync();

        hub.Time.AdjustTime(new DateTimeOffset(2026, 1, 20, 8, 0, 0, TimeSpan.Zero));
        await admin.PostJsonAsync($"/api/v1/members/{member}/membership/tier", new { tierId = resident, effective = "now" });
        var meeting = new DateTimeOffset(2026, 1, 22, 9, 0, 0, TimeSpan.Zero);
        await admin.PostJsonAsync("/api/v1/bookings", new { memberId = member, resourceId = room, start = meeting, end = meeting.AddHours(8), onBehalf = true });

        hub.Time.AdjustTime(new DateTimeOffset(2026, 1, 25, 12, 0, 0, TimeSpan.Zero));
        await admin.PostJsonAsync($"/api/v1/members/{member}/charges", new { code = "day_pass", quantity = 1 });
        await RunBillingAsync();

        hub.Time.AdjustTime(new DateTimeOffset(2026, 2, 10, 0, 5, 0, TimeSpan.Zero));
        await RunBillingAsync();
        return (admin, member);
    }

    private async Task RunBillingAsync()
    {
        await hub.Services.GetRequiredService<MembershipStore>().ApplyDueAsync(default);
        await hub.Services.GetRequiredService<InvoiceStore>().IssueDueAsync(default);
    }

    private static async Task<IReadOnlyList<JsonObject>> InvoicesAsync(HttpClient admin, Guid member)
    {
        var page = await admin.GetJsonAsync($"/api/v1/members/{member}/invoices");
        var invoices = page.Items().OrderBy(i => i["number"]!.GetValue<string>(), StringComparer.Ordinal).ToList();
        Assert.Equal(2, invoices.Count);
        return [.. await Task.WhenAll(invoices.Select(i => admin.GetJsonAsync($"/api/v1/invoices/{i.Id()}")))];
    }

    private static void AssertLine(JsonObject invoice, int position, string description, int quantity, long unit, long net, long tax, long gross)
    {
        var lines = invoice["lines"]!.AsArray();
        var line = lines[position - 1]!;
        Assert.Equal(
            (position, description, quantity, unit, net, tax, gross),
            (line["position"]!.GetValue<int>(), line["description"]!.GetValue<string>(), line["quantity"]!.GetValue<int>(), line["unitAmountMinor"]!.GetValue<long>(),
                line["netMinor"]!.GetValue<long>(), line["taxMinor"]!.GetValue<long>(), line["grossMinor"]!.GetValue<long>()));
    }

    private static (long Net, long Tax, long Gross) Totals(JsonObject invoice) =>
        (invoice["netMinor"]!.GetValue<long>(), invoice["taxMinor"]!.GetValue<long>(), invoice["grossMinor"]!.GetValue<long>());
}
