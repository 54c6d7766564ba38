using System.Globalization;
using Coworking.Hub.Tests.Support;

namespace Coworking.Hub.Tests.Access;

public sealed class AccessEventsApiTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private static readonly DateTimeOffset Morning = DateTimeOffset.Parse("2026-02-02T08:00:00Z", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Same_event_sent_twice_is_stored_once()
    {
        var location = await hub.CreateLocationAsync();
        var edge = Guid.NewGuid();

        await EdgeReports.DecisionAsync(hub.Services, hub.OrganisationId, location, "evt-1", "granted", Morning, edgeId: edge);
        await EdgeReports.DecisionAsync(hub.Services, hub.OrganisationId, location, "evt-1", "granted", Morning, edgeId: edge);

        var page = await hub.Admin.GetJsonAsync($"/api/v1/access-events?locationId={location}");
        Assert.Single(page.Items());
    }

    [Fact]
    public async Task Events_are_newest_first_filtered_and_paged_without_loss()
    {
        var location = await hub.CreateLocationAsync("Events House");
        var door = Guid.NewGuid();
        var member = Guid.NewGuid();
        var edge = Guid.NewGuid();
        for (var i = 0; i < 7; i++)
        {
            await EdgeReports.DecisionAsync(
                hub.Services, hub.OrganisationId, location, $"e{i}", i % 2 == 0 ? "granted" : "holder_suspended", Morning.AddMinutes(i), door, member, edge);
        }

        await EdgeReports.DecisionAsync(hub.Services, hub.OrganisationId, location, "other-door", "granted", Morning, Guid.NewGuid(), edgeId: edge);

        var seen = new List<string>();
        string? cursor = null;
        var from = Uri.EscapeDataString(Morning.AddMinutes(1).ToString("O", CultureInfo.InvariantCulture));
        var to = Uri.EscapeDataString(Morning.AddMinutes(6).ToString("O", CultureInfo.InvariantCulture));
        do
        {
            var page = await hub.Admin.GetJsonAsync(
                $"/api/v1/access-events?doorId={door}&memberId={member}&from={from}&to={to}&limit=2{(cursor is null ? string.Empty : $"&cursor={cursor}")}");
            seen.AddRange(page.Items().Select(e => e["eventId"]!.GetValue<string>()));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);

        Assert.Equal(["e5", "e4", "e3", "e2", "e1"], seen);
    }

    [Fact]
    public async Task Limit_over_500_is_named()
    {
        using var response = await hub.Admin.GetAsync("/api/v1/access-events?limit=501");

        Assert.Equal(["limit"], (await response.ProblemAsync(400)).ErrorFields());
    }

    [Fact]
    public async Task Events_of_another_organisation_are_not_listed()
    {
        var (otherOrganisation, otherAdmin) = await hub.NewOrganisationAsync("Other events");
        var theirs = await HubFixture.CreateLocationAsync(otherAdmin);
        await EdgeReports.DecisionAsync(hub.Services, otherOrganisation, theirs, "secret", "granted", Morning);

        var page = await hub.Admin.GetJsonAsync($"/api/v1/access-events?locationId={theirs}");

        Assert.Empty(page.Items());
    }
}
