using System.Text.Json.Nodes;
using Coworking.Hub.Billing;
using Coworking.Hub.Memberships;
using Coworking.Hub.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Reports;

/// <summary>
/// The worked example of docs/REPORTS.md ("Revenue", "Aged debt"), lived once on a fake clock and read by every test. At
/// Canal Street (London, VAT 20 % included) Ada joins Flex (hot desk, £300.00) on 10 January 2026 and pays at once, moves
/// up to Resident (dedicated desk, £450.00) on the 20th, books 8 meeting-room hours and buys a £15.00 day pass; her
/// invoice of 10 February (£626.61) is credited £24.00 on the 12th and paid on 20 April. At Harbour (Dublin, no tax) Ben
/// joins Virtual (€40.00) on 15 January and pays nothing. For MRR ("MRR"): Cy joins Flex on 16 February and moves up
/// to Resident on 4 March, Ada moves down to Flex on 3 March, Cy pauses on 6 April; Ben cancels on 20 February (in force
/// at his period end, 15 March) and joins again on 10 April.
/// </summary>
public sealed class RevenueAndDebtTests(RevenueAndDebtTests.Example example) : IClassFixture<RevenueAndDebtTests.Example>
{
    [Fact]
    public async Task Revenue_is_invoiced_less_credit_notes_and_collected_by_category_location_and_month_per_currency()
    {
        var report = await example.Owner.GetJsonAsync("/api/v1/reports/revenue?from=2026-01&to=2026-04");

        Assert.Equal(
            [
                // January: Flex plan £300.00 incl. VAT = net 250.00, paid on the 15th.
                Row("Canal Street", "2026-01", "GBP", "hot_desk", 25000, 0, 30000, 0, 30000),
                // February, invoice 2: Flex's unused 21 of 31 days, -203.23 (net -169.36).
                Row("Canal Street", "2026-02", "GBP", "hot_desk", -16936, 0, -20323, 0, 0),
                // Resident 21 of 31 days 304.84 (net 254.03) + the Resident plan 450.00 (net 375.00).
                Row("Canal Street", "2026-02", "GBP", "dedicated_desk", 62903, 0, 75484, 0, 0),
                Row("Canal Street", "2026-02", "GBP", "day_pass", 1250, 0, 1500, 0, 0),
                // 3 hours beyond the 5 included x £20.00.
                Row("Canal Street", "2026-02", "GBP", "meeting_room_overage", 5000, 0, 6000, 0, 0),
                // The £24.00 given back by amount: net 20.00.
                Row("Canal Street", "2026-02", "GBP", "credit_note", 0, 2000, 0, 2400, 0),
                // 20 April: the 602.61 still due, shared over invoice 2's categories and its credit note by gross.
                Row("Canal Street", "2026-04", "GBP", "hot_desk", 0, 0, 0, 0, -20323),
                Row("Canal Street", "2026-04", "GBP", "dedicated_desk", 0, 0, 0, 0, 75484),
                Row("Canal Street", "2026-04", "GBP", "day_pass", 0, 0, 0, 0, 1500),
                Row("Canal Street", "2026-04", "GBP", "meeting_room_overage", 0, 0, 0, 0, 6000),
                Row("Canal Street", "2026-04", "GBP", "credit_note", 0, 0, 0, 0, -2400),
                Row("Harbour", "2026-01", "EUR", "virtual", 4000, 0, 4000, 0, 0),
                Row("Harbour", "2026-02", "EUR", "virtual", 4000, 0, 4000, 0, 0),
            ],
            Rows(report));
        // Collected in April adds up to the payment exactly.
        Assert.Equal(60261, report["rows"]!.AsArray().Where(r => r!["month"]!.GetValue<string>() == "2026-04").Sum(r => r!["collectedMinor"]!.GetValue<long>()));
        // The consolidated view adds locations up, never currencies: February's virtual revenue stays in euros.
        var totals = report["totals"]!.AsArray();
        var virtualFebruary = Assert.Single(totals, t => t!["month"]!.GetValue<string>() == "2026-02" && t["category"]!.GetValue<string>() == "virtual")!;
        Assert.Equal(("EUR", 4000L), (virtualFebruary["currency"]!.GetValue<string>(), virtualFebruary["netRevenueMinor"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Revenue_for_a_tier_counts_what_was_billed_under_that_tier()
    {
        var flex = Rows(await example.Owner.GetJsonAsync($"/api/v1/reports/revenue?from=2026-01&to=2026-02&tierId={example.Flex}"));
        var resident = Rows(await example.Owner.GetJsonAsync($"/api/v1/reports/revenue?from=2026-01&to=2026-02&tierId={example.Resident}"));

        // The proration credit names the tier it leaves; the overage and day pass were posted while Ada was on Resident.
        Assert.Equal(
            [Row("Canal Street", "2026-01", "GBP", "hot_desk", 25000, 0, 30000, 0, 30000), Row("Canal Street", "2026-02", "GBP", "hot_desk", -16936, 0, -20323, 0, 0)],
            flex);
        Assert.Equal(
            [
                Row("Canal Street", "2026-02", "GBP", "dedicated_desk", 62903, 0, 75484, 0, 0),
                Row("Canal Street", "2026-02", "GBP", "day_pass", 1250, 0, 1500, 0, 0),
                Row("Canal Street", "2026-02", "GBP", "meeting_room_overage", 5000, 0, 6000, 0, 0),
            ],
            resident);
    }

    [Fact]
    public async Task Location_manager_sees_only_its_locations_and_may_not_ask_for_another()
    {
        var manager = await example.ManagerOfAsync(example.CanalStreet);

        var report = await manager.GetJsonAsync("/api/v1/reports/revenue?from=2026-01&to=2026-04");
        var debt = await manager.GetJsonAsync("/api/v1/reports/aged-debt?at=2026-04-10T12:00:00Z");
        using var other = await manager.GetAsync($"/api/v1/reports/revenue?from=2026-01&to=2026-04&locationId={example.Harbour}");

        Assert.All(report["rows"]!.AsArray(), r => Assert.Equal("Canal Street", r!["location"]!.GetValue<string>()));
        Assert.Equal(11, report["rows"]!.AsArray().Count);
        Assert.Equal("GBP", Assert.Single(debt["rows"]!.AsArray())!["currency"]!.GetValue<string>());
        Assert.Contains("locationId", (await other.ProblemAsync(403)).ErrorFields());
    }

    [Fact]
    public async Task Aged_debt_buckets_what_was_owed_at_an_instant_by_days_past_due()
    {
        // 10 April: invoice 2 (due 24 Feb) is 45 days late with 626.61 - 24.00 due; Ben's January invoice (due 29 Jan)
        // is 71 days late and his February one (due 1 Mar) 40.
        var april = await example.Owner.GetJsonAsync("/api/v1/reports/aged-debt?at=2026-04-10T12:00:00Z");
        // 20 February: the credit note is issued, invoice 2 is not yet due; Ben's January invoice is 22 days late.
        var february = await example.Owner.GetJsonAsync("/api/v1/reports/aged-debt?at=2026-02-20T12:00:00Z");
        // After the payment of 20 April only Ben owes.
        var may = await example.Owner.GetJsonAsync("/api/v1/reports/aged-debt?at=2026-05-01T12:00:00Z");

        Assert.Equal([Debt("Canal Street", "GBP", 0, 0, 60261, 0, 0, 1), Debt("Harbour", "EUR", 0, 0, 4000, 4000, 0, 2)], Debts(april));
        Assert.Equal([Debt("Canal Street", "GBP", 60261, 0, 0, 0, 0, 1), Debt("Harbour", "EUR", 4000, 4000, 0, 0, 0, 2)], Debts(february));
        Assert.Equal([Debt("Harbour", "EUR", 0, 0, 0, 4000, 4000, 2)], Debts(may));
    }

    [Fact]
    public async Task Reports_export_csv_with_one_row_per_figure()
    {
        var revenue = await example.Owner.GetStringAsync("/api/v1/reports/revenue?from=2026-02&to=2026-02&format=csv");
        var debt = await example.Owner.GetStringAsync("/api/v1/reports/aged-debt?at=2026-04-10T12:00:00Z&format=csv");

        var lines = revenue.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            "location_id,location,month,currency,category,invoiced_net_minor,credited_net_minor,net_revenue_minor,invoiced_gross_minor,credited_gross_minor,collected_minor",
            lines[0].TrimEnd('\n'));
        Assert.Contains($"{example.CanalStreet},Canal Street,2026-02,GBP,dedicated_desk,62903,0,62903,75484,0,0", lines);
        Assert.Contains($"{example.Harbour},Harbour,2026-02,EUR,virtual,4000,0,4000,4000,0,0", lines);
        Assert.Equal(7, lines.Length);
        Assert.StartsWith("location_id,location,currency,not_due_minor,days_0_30_minor,days_31_60_minor,days_61_90_minor,over_90_minor,total_minor,invoices", debt, StringComparison.Ordinal);
        Assert.Contains($"{example.CanalStreet},Canal Street,GBP,0,0,60261,0,0,60261,1", debt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mrr_bridge_moves_opening_to_closing_by_new_expansion_contraction_churn_and_reactivation()
    {
        var report = await example.Owner.GetJsonAsync("/api/v1/reports/mrr?from=2026-01&to=2026-04");
        var csv = await example.Owner.GetStringAsync("/api/v1/reports/mrr?from=2026-03&to=2026-03&format=csv");

        Assert.Equal(
            [
                // Ada's MRR at the end of January is Resident's (she moved up on the 20th): new.
                Mrr("Canal Street", "2026-01", "GBP", 0, 45000, 0, 0, 0, 0, 45000, 1),
                Mrr("Canal Street", "2026-02", "GBP", 45000, 30000, 0, 0, 0, 0, 75000, 2),
                // Ada down to Flex (-150.00), Cy up to Resident (+150.00).
                Mrr("Canal Street", "2026-03", "GBP", 75000, 0, 15000, 15000, 0, 0, 75000, 2),
                // Cy's pause stops his 450.00.
                Mrr("Canal Street", "2026-04", "GBP", 75000, 0, 0, 0, 45000, 0, 30000, 1),
                Mrr("Harbour", "2026-01", "EUR", 0, 4000, 0, 0, 0, 0, 4000, 1),
                // A cancellation given in February is in force from 15 March.
                Mrr("Harbour", "2026-02", "EUR", 4000, 0, 0, 0, 0, 0, 4000, 1),
                Mrr("Harbour", "2026-03", "EUR", 4000, 0, 0, 0, 4000, 0, 0, 0),
                Mrr("Harbour", "2026-04", "EUR", 0, 0, 0, 0, 0, 4000, 4000, 1),
            ],
            Mrrs(report));
        Assert.All(report["rows"]!.AsArray(), r => Assert.Equal(r!["closingMrrMinor"]!.GetValue<long>() * 12, r["arrMinor"]!.GetValue<long>()));
        Assert.Contains($"{example.CanalStreet},Canal Street,2026-03,GBP,75000,0,15000,15000,0,0,75000,900000,2", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Members_by_tier_count_joins_moves_and_churn_with_logo_and_revenue_churn_rates()
    {
        var report = await example.Owner.GetJsonAsync("/api/v1/reports/members?from=2026-01&to=2026-04");
        var resident = await example.Owner.GetJsonAsync($"/api/v1/reports/members?from=2026-04&to=2026-04&tierId={example.Resident}");

        Assert.Equal(
            [
                Members("Canal Street", "2026-01", "Resident", 0, 1, 0, 0, 0, 1, null, 0, 0),
                Members("Canal Street", "2026-02", "Flex", 0, 1, 0, 0, 0, 1, null, 0, 0),
                Members("Canal Street", "2026-02", "Resident", 1, 0, 0, 0, 0, 1, 0.0, 45000, 0),
                // Ada moves down to Flex as Cy moves up to Resident: moves, not churn.
                Members("Canal Street", "2026-03", "Flex", 1, 0, 1, 1, 0, 1, 0.0, 30000, 0),
                Members("Canal Street", "2026-03", "Resident", 1, 0, 1, 1, 0, 1, 0.0, 45000, 0),
                Members("Canal Street", "2026-04", "Flex", 1, 0, 0, 0, 0, 1, 0.0, 30000, 0),
                // Cy pauses: Resident loses its one member and all its MRR.
                Members("Canal Street", "2026-04", "Resident", 1, 0, 0, 0, 1, 0, 1.0, 45000, 45000),
                Members("Harbour", "2026-01", "Virtual", 0, 1, 0, 0, 0, 1, null, 0, 0),
                Members("Harbour", "2026-02", "Virtual", 1, 0, 0, 0, 0, 1, 0.0, 4000, 0),
                Members("Harbour", "2026-03", "Virtual", 1, 0, 0, 0, 1, 0, 1.0, 4000, 4000),
                Members("Harbour", "2026-04", "Virtual", 0, 1, 0, 0, 0, 1, null, 0, 0),
            ],
            MembersRows(report));
        var row = Assert.Single(resident["rows"]!.AsArray())!;
        Assert.Equal((1.0, 1.0), (row["logoChurnRate"]!.GetValue<double>(), row["revenueChurnRate"]!.GetValue<double>()));
    }

    [Fact]
    public async Task Channels_show_who_each_channel_brought_and_who_still_paid_30_90_and_180_days_on()
    {
        var report = await example.Owner.GetJsonAsync("/api/v1/reports/channels?from=2026-01&to=2026-04&at=2026-04-20T09:00:00Z");

        var rows = report["rows"]!.AsArray().Select(r => (
            r!["location"]!.GetValue<string>(), r["channel"]!.GetValue<string>(), r["joined"]!.GetValue<int>(), r["due30"]!.GetValue<int>(),
            r["retained30"]!.GetValue<int>(), r["due90"]!.GetValue<int>(), r["retained90"]!.GetValue<int>(), r["due180"]!.GetValue<int>(),
            r["retention180"]?.GetValue<double>())).ToList();
        // Cy (referral, 16 Feb) has not reached 90 days by 20 April; nobody has reached 180. Ben (partner) was paying
        // again on day 90 (15 April), having joined again on the 10th.
        Assert.Equal(
            [("Canal Street", "referral", 1, 1, 1, 0, 0, 0, (double?)null), ("Canal Street", "website", 1, 1, 1, 1, 1, 0, (double?)null), ("Harbour", "partner", 1, 1, 1, 1, 1, 0, (double?)null)],
            rows);
    }

    [Theory]
    [InlineData("/api/v1/reports/revenue?format=xml", "format")]
    [InlineData("/api/v1/reports/revenue?from=2026-13", "from")]
    [InlineData("/api/v1/reports/revenue?from=2026-05&to=2026-01", "from")]
    [InlineData("/api/v1/reports/aged-debt?tierId=7d0b7f3e-0000-4000-8000-000000000001", "tierId")]
    public async Task Bad_report_filters_are_refused_naming_the_field(string path, string field)
    {
        using var response = await example.Owner.GetAsync(path);

        Assert.Contains(field, (await response.ProblemAsync(400)).ErrorFields());
    }

    private static (string, string, string, string, long, long, long, long, long) Row(
        string location, string month, string currency, string category, long invoicedNet, long creditedNet, long invoicedGross, long creditedGross, long collected) =>
        (location, month, currency, category, invoicedNet, creditedNet, invoicedGross, creditedGross, collected);

    private static List<(string, string, string, string, long, long, long, long, long)> Rows(JsonObject report)
    {
        var rows = report["rows"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.All(rows, r => Assert.Equal(
            r["invoicedNetMinor"]!.GetValue<long>() - r["creditedNetMinor"]!.GetValue<long>(), r["netRevenueMinor"]!.GetValue<long>()));
        return [.. rows.Select(r => Row(
            r["location"]!.GetValue<string>(), r["month"]!.GetValue<string>(), r["currency"]!.GetValue<string>(), r["category"]!.GetValue<string>(),
            r["invoicedNetMinor"]!.GetValue<long>(), r["creditedNetMinor"]!.GetValue<long>(), r["invoicedGrossMinor"]!.GetValue<long>(),
            r["creditedGrossMinor"]!.GetValue<long>(), r["collectedMinor"]!.GetValue<long>()))];
    }

    private static (string, string, long, long, long, long, long, int) Debt(
        string location, string currency, long notDue, long upTo30, long upTo60, long upTo90, long over90, int invoices) =>
        (location, currency, notDue, upTo30, upTo60, upTo90, over90, invoices);

    private static List<(string, string, long, long, long, long, long, int)> Debts(JsonObject report)
    {
        var rows = report["rows"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.All(rows, r => Assert.Equal(
            r["notDueMinor"]!.GetValue<long>() + r["days0To30Minor"]!.GetValue<long>() + r["days31To60Minor"]!.GetValue<long>()
            + r["days61To90Minor"]!.GetValue<long>() + r["over90Minor"]!.GetValue<long>(),
            r["totalMinor"]!.GetValue<long>()));
        return [.. rows.Select(r => Debt(
            r["location"]!.GetValue<string>(), r["currency"]!.GetValue<string>(), r["notDueMinor"]!.GetValue<long>(), r["days0To30Minor"]!.GetValue<long>(),
            r["days31To60Minor"]!.GetValue<long>(), r["days61To90Minor"]!.GetValue<long>(), r["over90Minor"]!.GetValue<long>(), r["invoices"]!.GetValue<int>()))];
    }

    private static (string, string, string, long, long, long, long, long, long, long, int) Mrr(
        string location, string month, string currency, long opening, long added, long expansion, long contraction, long churned, long reactivated, long closing,
        int paying) =>
        (location, month, currency, opening, added, expansion, contraction, churned, reactivated, closing, paying);

    private static List<(string, string, string, long, long, long, long, long, long, long, int)> Mrrs(JsonObject report)
    {
        var rows = report["rows"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.All(rows, r => Assert.Equal(
            r["openingMrrMinor"]!.GetValue<long>() + r["newMinor"]!.GetValue<long>() + r["expansionMinor"]!.GetValue<long>() - r["contractionMinor"]!.GetValue<long>()
            - r["churnedMinor"]!.GetValue<long>() + r["reactivatedMinor"]!.GetValue<long>(),
            r["closingMrrMinor"]!.GetValue<long>()));
        return [.. rows.Select(r => Mrr(
            r["location"]!.GetValue<string>(), r["month"]!.GetValue<string>(), r["currency"]!.GetValue<string>(), r["openingMrrMinor"]!.GetValue<long>(),
            r["newMinor"]!.GetValue<long>(), r["expansionMinor"]!.GetValue<long>(), r["contractionMinor"]!.GetValue<long>(), r["churnedMinor"]!.GetValue<long>(),
            r["reactivatedMinor"]!.GetValue<long>(), r["closingMrrMinor"]!.GetValue<long>(), r["payingMembers"]!.GetValue<int>()))];
    }

    private static (string, string, string, int, int, int, int, int, int, double?, long, long) Members(
        string location, string month, string tier, int atStart, int joined, int movedIn, int movedOut, int churned, int atEnd, double? logoChurn, long openingMrr,
        long churnedMrr) =>
        (location, month, tier, atStart, joined, movedIn, movedOut, churned, atEnd, logoChurn, openingMrr, churnedMrr);

    private static List<(string, string, string, int, int, int, int, int, int, double?, long, long)> MembersRows(JsonObject report)
    {
        var rows = report["rows"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.All(rows, r => Assert.Equal(
            r["activeAtStart"]!.GetValue<int>() + r["joined"]!.GetValue<int>() + r["movedIn"]!.GetValue<int>() - r["movedOut"]!.GetValue<int>() - r["churned"]!.GetValue<int>(),
            r["activeAtEnd"]!.GetValue<int>()));
        return [.. rows.Select(r => Members(
            r["location"]!.GetValue<string>(), r["month"]!.GetValue<string>(), r["tier"]!.GetValue<string>(), r["activeAtStart"]!.GetValue<int>(),
            r["joined"]!.GetValue<int>(), r["movedIn"]!.GetValue<int>(), r["movedOut"]!.GetValue<int>(), r["churned"]!.GetValue<int>(), r["activeAtEnd"]!.GetValue<int>(),
            r["logoChurnRate"]?.GetValue<double>(), r["openingMrrMinor"]!.GetValue<long>(), r["churnedMrrMinor"]!.GetValue<long>()))];
    }

    /// <summary>The hub on a fake clock with the example's history lived once, in an organisation of its own.</summary>
    public sealed class Example : ClockedHubFixture, IAsyncLifetime
    {
        public HttpClient Owner { get; private set; } = null!;

        public Guid CanalStreet { get; private set; }

        public Guid Harbour { get; private set; }

        public Guid Flex { get; private set; }

        public Guid Resident { get; private set; }

        public async Task<HttpClient> ManagerOfAsync(Guid location)
        {
            var key = await Owner.PostJsonAsync("/api/v1/api-keys", new { name = "manager", role = "location_manager", locationIds = new[] { location } });
            return Client(key["apiKey"]!.GetValue<string>());
        }

        async Task IAsyncLifetime.InitializeAsync()
        {
            await InitializeAsync();
            Time.AdjustTime(new DateTimeOffset(2026, 1, 10, 8, 0, 0, TimeSpan.Zero));
            Owner = await NewOrganisationAsync();
            var canal = await Workspace.SiteAsync(Owner);
            CanalStreet = canal.LocationId;
            Harbour = (await Workspace.SiteAsync(Owner, "Europe/Dublin", name: "Harbour")).LocationId;
            await Owner.PutJsonAsync($"/api/v1/locations/{CanalStreet}/tax-rate", new { name = "VAT", partsPerMillion = 200_000, inclusive = true });
            Flex = await Workspace.TierAsync(Owner, Workspace.Terms(("priceMinor", 30000), ("roomHoursPerMonth", 4)), "Flex");
            Resident = await Workspace.TierAsync(Owner, Workspace.Terms(("kind", "dedicated_desk"), ("priceMinor", 45000), ("roomHoursPerMonth", 5)), "Resident");
            var virtualTier = await Workspace.TierAsync(Owner, Workspace.Terms(("kind", "virtual"), ("priceMinor", 4000), ("currency", "EUR")), "Virtual");
            foreach (var (tier, roomHour) in new[] { (Flex, 2500), (Resident, 2000) })
            {
                await Owner.PutJsonAsync($"/api/v1/tiers/{tier}/prices/room_hour", new { name = "Meeting-room hour", unitPriceMinor = roomHour });
                await Owner.PutJsonAsync($"/api/v1/tiers/{tier}/prices/day_pass", new { name = "Day pass", unitPriceMinor = 1500 });
            }

            var room = await Workspace.ResourceAsync(Owner, canal, "meeting_room");
            var ada = await HubFixture.CreateMemberAsync(Owner, CanalStreet);
            var ben = await HubFixture.CreateMemberAsync(Owner, Harbour);
            var cy = await HubFixture.CreateMemberAsync(Owner, CanalStreet);

            At(2026, 1, 10, 9, 0);
            await Owner.PostJsonAsync($"/api/v1/members/{ada}/membership", new { tierId = Flex, channel = "website" });
            await RunBillingAsync();
            At(2026, 1, 15, 10, 0);
            await Owner.PostJsonAsync($"/api/v1/members/{ben}/membership", new { tierId = virtualTier, channel = "partner" });
            await RunBillingAsync();
            At(2026, 1, 15, 12, 0);
            await Owner.PostJsonAsync($"/api/v1/invoices/{await InvoiceOfAsync(ada, "INV-000001")}/payments", new { method = "bank_transfer", reference = "ADA-JAN" });

            At(2026, 1, 20, 8, 0);
            await Owner.PostJsonAsync($"/api/v1/members/{ada}/membership/tier", new { tierId = Resident, effective = "now" });
            var meeting = new DateTimeOffset(2026, 1, 22, 9, 0, 0, TimeSpan.Zero);
            await Owner.PostJsonAsync("/api/v1/bookings", new { memberId = ada, resourceId = room, start = meeting, end = meeting.AddHours(8), onBehalf = true });
            At(2026, 1, 25, 12, 0);
            await Owner.PostJsonAsync($"/api/v1/members/{ada}/charges", new { code = "day_pass", quantity = 1 });
            await RunBillingAsync();

            At(2026, 2, 10, 0, 5);
            await RunBillingAsync();
            At(2026, 2, 12, 11, 0);
            var february = await InvoiceOfAsync(ada, "INV-000003");
            await Owner.PostJsonAsync($"/api/v1/invoices/{february}/credit-notes", new { lines = new[] { new { description = "Goodwill: air conditioning out", amountMinor = 2400 } } });
            At(2026, 2, 15, 0, 5);
            await RunBillingAsync();

            // After the last invoice run: what follows moves MRR, and posts to the ledger nothing an invoice carries yet.
            At(2026, 2, 16, 10, 0);
            await Owner.PostJsonAsync($"/api/v1/members/{cy}/membership", new { tierId = Flex, channel = "referral" });
            At(2026, 2, 20, 10, 0);
            await Owner.PostJsonAsync($"/api/v1/members/{ben}/membership/cancel", new { });
            At(2026, 3, 3, 10, 0);
            await Owner.PostJsonAsync($"/api/v1/members/{ada}/membership/tier", new { tierId = Flex, effective = "now" });
            At(2026, 3, 4, 10, 0);
            await Owner.PostJsonAsync($"/api/v1/members/{cy}/membership/tier", new { tierId = Resident, effective = "now" });
            At(2026, 3, 16, 1, 0);
            await Services.GetRequiredService<MembershipStore>().ApplyDueAsync(default);
            At(2026, 4, 6, 10, 0);
            await Owner.PostJsonAsync($"/api/v1/members/{cy}/membership/pause", new { });
            At(2026, 4, 10, 10, 0);
            await Owner.PostJsonAsync($"/api/v1/members/{ben}/membership", new { tierId = virtualTier, channel = "partner" });

            At(2026, 4, 20, 9, 0);
            await Owner.PostJsonAsync($"/api/v1/invoices/{february}/payments", new { method = "bank_transfer", reference = "ADA-FEB" });
        }

        private void At(int year, int month, int day, int hour, int minute) =>
            Time.AdjustTime(new DateTimeOffset(year, month, day, hour, minute, 0, TimeSpan.Zero));

        private async Task RunBillingAsync()
        {
            await Services.GetRequiredService<MembershipStore>().ApplyDueAsync(default);
            await Services.GetRequiredService<InvoiceStore>().IssueDueAsync(default);
        }

        private async Task<Guid> InvoiceOfAsync(Guid member, string number)
        {
            var page = await Owner.GetJsonAsync($"/api/v1/members/{member}/invoices");
            var invoice = Assert.Single(page.Items(), i => i["number"]!.GetValue<string>() == number);
            return invoice.Id();
        }
    }
}
