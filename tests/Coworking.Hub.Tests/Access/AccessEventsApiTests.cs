using System.Globalization;
using Coworking.Hub.Access;
using Coworking.Hub.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Access;

public sealed class AccessEventsApiTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private static readonly DateTimeOffset Morning = DateTimeOffset.Parse("2026-02-02T08:00:00Z", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Same_event_sent_twice_is_stored_once()
    {
        var location = await hub.CreateLocationAsync();
        var store = hub.Services.GetRequiredService<AccessEventStore>();
        var e = new AccessEvent("edge-dup", "evt-1", location, null, null, null, AccessDecision.Granted, "granted", Morning);

        Assert.True(await store.RecordAsync(e, default));
        Assert.False(await store.RecordAsync(e, default));

        var page = await hub.Admin.GetJsonAsync($"/api/v1/access-events?locationId={location}");
        Assert.Single(page.Items());
    }

    [Fact]
    public async Task Events_are_newest_first_filtered_and_paged_without_loss()
    {
        var location = await hub.CreateLocationAsync("Events House");
        var door = Guid.NewGuid();
        var member = Guid.NewGuid();
        var store = hub.Services.GetRequiredService<AccessEventStore>();
        for (var i = 0; i < 7; i++)
        {
            await store.RecordAsync(
                new AccessEvent("edge-1", $"e{i}", location, door, null, member, i % 2 == 0 ? AccessDecision.Granted : AccessDecision.Denied, "r", Morning.AddMinutes(i)),
                default);
        }

        await store.RecordAsync(new AccessEvent("edge-1", "other-door", location, Guid.NewGuid(), null, null, AccessDecision.Granted, "r", Morning), default);

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
        var (_, otherAdmin) = await hub.NewOrganisationAsync("Other events");
        var theirs = await HubFixture.CreateLocationAsync(otherAdmin);
        await hub.Services.GetRequiredService<AccessEventStore>().RecordAsync(
            new AccessEvent("edge-x", "secret", theirs, null, null, null, AccessDecision.Granted, "granted", Morning), default);

        var page = await hub.Admin.GetJsonAsync($"/api/v1/access-events?locationId={theirs}");

        Assert.Empty(page.Items());
    }
}
