using System.Text.Json.Nodes;
using Coworking.Hub.Billing;
using Coworking.Hub.Memberships;
using Coworking.Hub.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Reports;

/// <summary>
/// The worked example of docs/REPORTS.md ("Revenue forecast"), lived once on a fake clock. At Canal Street (London) ten
/// members join Flex (£100.00) on 2 March 2026; one cancels on 10 March (in force 2 April), another joins on 10 April. On
/// 1 June one pauses until 1 September, on 10 June another cancels (in force 2 July). At Harbour (Dublin) Ben joins
/// Virtual (€40.00) on 2 March. The forecast is made on 15 June.
/// </summary>
public sealed class ForecastTests(ForecastTests.Example example) : IClassFixture<ForecastTests.Example>
{
    private const string At = "2026-06-15T12:00:00Z";

    [Fact]
    public async Task Forecast_discounts_contracts_known_cancellations_and_pauses_by_each_tiers_measured_churn()
    {
        var report = await example.Owner.GetJsonAsync($"/api/v1/reports/forecast?at={At}");

        // Churn from December to May: Flex lost 1 of 10 in April and 0 of 10 in May; Virtual none.
        Assert.Equal(("2025-12", "2026-05", "2026-07", "2027-06"), (Text(report, "churnFrom"), Text(report, "churnTo"), Text(report, "from"), Text(report, "to")));
        Assert.Equal(
            [("Flex", 2, 20, 1, 0.05, 0.0, 0.1), ("Virtual", 2, 2, 0, 0.0, 0.0, 0.0)],
            report["churn"]!.AsArray().Select(c => (
                c!["tier"]!.GetValue<string>(), c["months"]!.GetValue<int>(), c["atStart"]!.GetValue<int>(), c["churned"]!.GetValue<int>(),
                c["meanRate"]!.GetValue<double>(), c["minRate"]!.GetValue<double>(), c["maxRate"]!.GetValue<double>())).ToList());
        var rows = Rows(report);
        Assert.Equal(24, rows.Count);
        Assert.Equal(
            [
                // July: the cancellation of 10 June (in force 2 July) and the pause leave 8 of 10; × 0.95, 0.90, 1.
                ("Canal Street", "2026-07", "GBP", 8, 80000L, 76000L, 72000L, 80000L),
                ("Canal Street", "2026-08", "GBP", 8, 80000L, 72200L, 64800L, 80000L),
                // The pause ends on 1 September: 9 pay again; 90000 × 0.95³ = 77163.75.
                ("Canal Street", "2026-09", "GBP", 9, 90000L, 77164L, 65610L, 90000L),
                ("Canal Street", "2026-10", "GBP", 9, 90000L, 73306L, 59049L, 90000L),
            ],
            rows.Take(4));
        Assert.Equal(("Canal Street", "2027-06", "GBP", 9, 90000L, 48632L, 25419L, 90000L), rows[11]);
        // Virtual never churned: its range is the contract itself, in euros.
        Assert.All(rows.Skip(12), r => Assert.Equal(("Harbour", "EUR", 1, 4000L, 4000L, 4000L, 4000L), (r.Item1, r.Item3, r.Item4, r.Item5, r.Item6, r.Item7, r.Item8)));
        var totals = report["totals"]!.AsArray();
        Assert.Equal(2, totals.Count(t => t!["month"]!.GetValue<string>() == "2026-07"));
    }

    [Fact]
    public async Task Forecast_for_a_manager_covers_only_its_locations_and_exports_csv()
    {
        var manager = await example.ManagerOfAsync(example.Harbour);

        var report = await manager.GetJsonAsync($"/api/v1/reports/forecast?at={At}");
        var csv = await example.Owner.GetStringAsync($"/api/v1/reports/forecast?at={At}&format=csv&tierId={example.Flex}");
        using var other = await manager.GetAsync($"/api/v1/reports/forecast?at={At}&locationId={example.CanalStreet}");
        using var badFormat = await example.Owner.GetAsync("/api/v1/reports/forecast?format=pdf");

        Assert.All(Rows(report), r => Assert.Equal("Harbour", r.Item1));
        Assert.Equal("Virtual", Assert.Single(report["churn"]!.AsArray())!["tier"]!.GetValue<string>());
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("location_id,location,month,currency,contracted_members,contracted_minor,forecast_minor,low_minor,high_minor", lines[0]);
        Assert.Contains($"{example.CanalStreet},Canal Street,2026-09,GBP,9,90000,77164,65610,90000", lines);
        Assert.Equal(13, lines.Length);
        Assert.Contains("locationId", (await other.ProblemAsync(403)).ErrorFields());
        Assert.Contains("format", (await badFormat.ProblemAsync(400)).ErrorFields());
    }

    private static string Text(JsonObject report, string name) => report[name]!.GetValue<string>();

    private static List<(string, string, string, int, long, long, long, long)> Rows(JsonObject report) =>
        [.. report["rows"]!.AsArray().Select(r => (
            r!["location"]!.GetValue<string>(), r["month"]!.GetValue<string>(), r["currency"]!.GetValue<string>(), r["contractedMembers"]!.GetValue<int>(),
            r["contractedMinor"]!.GetValue<long>(), r["forecastMinor"]!.GetValue<long>(), r["lowMinor"]!.GetValue<long>(), r["highMinor"]!.GetValue<long>()))];

    /// <summary>The hub on a fake clock with the example's history lived once, in an organisation of its own.</summary>
    [Fact]
    public async Task Forecast_drops_a_scheduled_tier_change_that_a_change_made_at_once_replaced()
    {
        var owner = await example.NewOrganisationAsync();
        var site = (await Workspace.SiteAsync(owner)).LocationId;
        var flex = await Workspace.TierAsync(owner, Workspace.Terms(("priceMinor", 10000)), "Flex");
        var resident = await Workspace.TierAsync(owner, Workspace.Terms(("priceMinor", 20000)), "Resident");
        var office = await Workspace.TierAsync(owner, Workspace.Terms(("priceMinor", 30000)), "Office");
        var member = await Workspace.MemberAsync(owner, site, flex);
        await owner.PostJsonAsync($"/api/v1/members/{member}/membership/tier", new { tierId = resident, effective = "period_end" });
        example.Time.Advance(TimeSpan.FromMinutes(1));
        await owner.PostJsonAsync($"/api/v1/members/{member}/membership/tier", new { tierId = office, effective = "now" });

        // After both changes; the other tests ask about the worked example's instant, which this moves past.
        var rows = Rows(await owner.GetJsonAsync("/api/v1/reports/forecast?at=2026-06-15T12:05:00Z"));

        Assert.Equal(12, rows.Count);
        Assert.All(rows, r => Assert.Equal((1, 30000L), (r.Item4, r.Item5)));
    }

    public sealed class Example : ClockedHubFixture, IAsyncLifetime
    {
        public HttpClient Owner { get; private set; } = null!;

        public Guid CanalStreet { get; private set; }

        public Guid Harbour { get; private set; }

        public Guid Flex { get; private set; }

        public async Task<HttpClient> ManagerOfAsync(Guid location)
        {
            var key = await Owner.PostJsonAsync("/api/v1/api-keys", new { name = "manager", role = "location_manager", locationIds = new[] { location } });
            return Client(key["apiKey"]!.GetValue<string>());
        }

        async Task IAsyncLifetime.InitializeAsync()
        {
            await InitializeAsync();
            Time.AdjustTime(new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero));
            Owner = await NewOrganisationAsync();
            CanalStreet = (await Workspace.SiteAsync(Owner)).LocationId;
            Harbour = (await Workspace.SiteAsync(Owner, "Europe/Dublin", name: "Harbour")).LocationId;
            Flex = await Workspace.TierAsync(Owner, Workspace.Terms(("priceMinor", 10000)), "Flex");
            var virtualTier = await Workspace.TierAsync(Owner, Workspace.Terms(("kind", "virtual"), ("priceMinor", 4000), ("currency", "EUR")), "Virtual");

            await AtAsync(2026, 3, 2, 9);
            var members = new List<Guid>();
            for (var i = 0; i < 10; i++)
            {
                members.Add(await Workspace.MemberAsync(Owner, CanalStreet, Flex));
            }

            await Workspace.MemberAsync(Owner, Harbour, virtualTier, "partner");
            await AtAsync(2026, 3, 10, 10);
            await Owner.PostJsonAsync($"/api/v1/members/{members[0]}/membership/cancel", new { });
            await AtAsync(2026, 4, 10, 10);
            await Workspace.MemberAsync(Owner, CanalStreet, Flex, "referral");
            await AtAsync(2026, 5, 2, 10);
            await AtAsync(2026, 6, 1, 10);
            await Owner.PostJsonAsync($"/api/v1/members/{members[1]}/membership/pause", new { until = new DateTimeOffset(2026, 9, 1, 0, 0, 0, TimeSpan.Zero) });
            await AtAsync(2026, 6, 10, 10);
            await Owner.PostJsonAsync($"/api/v1/members/{members[2]}/membership/cancel", new { });
            await AtAsync(2026, 6, 15, 12);
        }

        private async Task AtAsync(int year, int month, int day, int hour)
        {
            Time.AdjustTime(new DateTimeOffset(year, month, day, hour, 0, 0, TimeSpan.Zero));
            await Services.GetRequiredService<MembershipStore>().ApplyDueAsync(default);
        }
    }
}

/// <summary>
/// The forecast's back-test (docs/REPORTS.md, "Revenue forecast"): forty members join Desk (£200.00, no tax) at Canal
/// Street on 2 January 2025 and some cancel each month for eighteen months, the membership clock and the invoice run
/// living every month. A forecast made on 10 July 2025 is checked against what the twelve months after July invoiced.
/// </summary>
public sealed class ForecastBackTestTests(ForecastBackTestTests.History history) : IClassFixture<ForecastBackTestTests.History>
{
    [Fact]
    public async Task Forecast_made_in_july_2025_holds_what_the_next_twelve_months_invoiced_within_its_range()
    {
        var forecast = await history.Owner.GetJsonAsync("/api/v1/reports/forecast?at=2025-07-10T12:00:00Z");
        var revenue = await history.Owner.GetJsonAsync("/api/v1/reports/revenue?from=2025-08&to=2026-07");

        var invoiced = revenue["rows"]!.AsArray().Where(r => r!["category"]!.GetValue<string>() == "hot_desk")
            .ToDictionary(r => r!["month"]!.GetValue<string>(), r => r!["invoicedNetMinor"]!.GetValue<long>());
        var rows = forecast["rows"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal(12, rows.Count);
        // 24 members paid in July 2025; the window (February to June) lost 5.0 %, 10.5 %, 2.9 %, 12.1 % and 3.4 % a month.
        Assert.All(rows, r => Assert.Equal(24 * 20000L, r["contractedMinor"]!.GetValue<long>()));
        var churn = Assert.Single(forecast["churn"]!.AsArray())!;
        Assert.Equal((5, 0.0294, 0.1212), (churn["months"]!.GetValue<int>(), churn["minRate"]!.GetValue<double>(), churn["maxRate"]!.GetValue<double>()));
        Assert.All(rows, r =>
        {
            var actual = invoiced[r["month"]!.GetValue<string>()];
            Assert.InRange(actual, r["lowMinor"]!.GetValue<long>(), r["highMinor"]!.GetValue<long>());
        });
        Assert.InRange(invoiced.Values.Sum(), rows.Sum(r => r["lowMinor"]!.GetValue<long>()), rows.Sum(r => r["highMinor"]!.GetValue<long>()));
    }

    /// <summary>Eighteen months of a tier's history lived through the API, the clock and the invoice run.</summary>
    public sealed class History : ClockedHubFixture, IAsyncLifetime
    {
        /// <summary>Cancellations asked for on the 12th of each month from January 2025, each in force on the 2nd of the next.</summary>
        public static readonly int[] Cancellations = [2, 4, 1, 4, 1, 4, 1, 2, 1, 3, 0, 2, 1, 2, 0, 1, 1, 1];

        public HttpClient Owner { get; private set; } = null!;

        async Task IAsyncLifetime.InitializeAsync()
        {
            await InitializeAsync();
            Time.AdjustTime(new DateTimeOffset(2025, 1, 2, 8, 0, 0, TimeSpan.Zero));
            Owner = await NewOrganisationAsync();
            var location = (await Workspace.SiteAsync(Owner)).LocationId;
            var desk = await Workspace.TierAsync(Owner, Workspace.Terms(("priceMinor", 20000)), "Desk");
            Time.AdjustTime(new DateTimeOffset(2025, 1, 2, 9, 0, 0, TimeSpan.Zero));
            var members = new Queue<Guid>();
            for (var i = 0; i < 40; i++)
            {
                members.Enqueue(await Workspace.MemberAsync(Owner, location, desk));
            }

            await RunBillingAsync();
            var month = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
            foreach (var count in Cancellations)
            {
                Time.AdjustTime(month.AddDays(11).AddHours(10));
                for (var i = 0; i < count; i++)
                {
                    await Owner.PostJsonAsync($"/api/v1/members/{members.Dequeue()}/membership/cancel", new { });
                }

                month = month.AddMonths(1);
                Time.AdjustTime(month.AddDays(1).AddHours(6));
                await RunBillingAsync();
            }
        }

        private async Task RunBillingAsync()
        {
            await Services.GetRequiredService<MembershipStore>().ApplyDueAsync(default);
            await Services.GetRequiredService<InvoiceStore>().IssueDueAsync(default);
        }
    }
}
