using System.Globalization;
using Coworking.Hub.EdgeSync;
using Coworking.Hub.Tests.Support;
using Coworking.Proto.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.EdgeSync;

public sealed class EdgeEventsApiTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private static readonly DateTimeOffset Night = DateTimeOffset.Parse("2026-02-03T01:00:00Z", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Door_alarms_are_listed_newest_first_filtered_by_kind_door_edge_and_time_and_paged_without_loss()
    {
        var location = await hub.CreateLocationAsync("Alarm House");
        var door = Guid.NewGuid();
        var edge = Guid.NewGuid();
        var events = Enumerable.Range(0, 7)
            .Select(i => Event($"alarm-{i}", i % 2 == 0 ? ReportedEventKind.DoorForcedOpen : ReportedEventKind.DoorHeldOpen, Night.AddMinutes(i), door))
            .Append(Event("closed", ReportedEventKind.DoorClosed, Night.AddMinutes(2), door))
            .Append(Event("other-door", ReportedEventKind.DoorForcedOpen, Night.AddMinutes(3), Guid.NewGuid()))
            .ToList();
        await StoreAsync(edge, location, events);
        await StoreAsync(Guid.NewGuid(), location, [Event("other-edge", ReportedEventKind.DoorForcedOpen, Night.AddMinutes(3), door)]);

        var seen = new List<JsonNodeView>();
        string? cursor = null;
        var from = Uri.EscapeDataString(Night.AddMinutes(1).ToString("O", CultureInfo.InvariantCulture));
        var to = Uri.EscapeDataString(Night.AddMinutes(6).ToString("O", CultureInfo.InvariantCulture));
        do
        {
            var page = await hub.Admin.GetJsonAsync(
                $"/api/v1/edge-events?locationId={location}&kind=door_forced_open&kind=door_held_open&doorId={door}&edgeId={edge}&from={from}&to={to}&limit=2"
                + (cursor is null ? string.Empty : $"&cursor={cursor}"));
            seen.AddRange(page.Items().Select(e => new JsonNodeView(
                e["eventId"]!.GetValue<string>(), e["kind"]!.GetValue<string>(), e["doorId"]!.GetValue<Guid>(), e["edgeId"]!.GetValue<string>())));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);

        Assert.Equal(["alarm-5", "alarm-4", "alarm-3", "alarm-2", "alarm-1"], seen.Select(e => e.EventId));
        Assert.Equal(["door_held_open", "door_forced_open", "door_held_open", "door_forced_open", "door_held_open"], seen.Select(e => e.Kind));
        Assert.All(seen, e => Assert.Equal((door, edge.ToString()), (e.DoorId, e.EdgeId)));
    }

    [Fact]
    public async Task Reader_going_offline_is_listed_with_its_reader()
    {
        var location = await hub.CreateLocationAsync("Reader House");
        await StoreAsync(Guid.NewGuid(), location, [Event("offline", ReportedEventKind.ReaderOffline, Night, null)]);

        var page = await hub.Admin.GetJsonAsync($"/api/v1/edge-events?locationId={location}&kind=reader_offline");

        var only = Assert.Single(page.Items());
        Assert.Equal("osdp:1", only["readerId"]!.GetValue<string>());
        Assert.Null(only["doorId"]);
    }

    [Fact]
    public async Task Location_manager_sees_only_edge_events_of_its_locations()
    {
        var mine = await hub.CreateLocationAsync("Mine");
        var theirs = await hub.CreateLocationAsync("Theirs");
        var manager = await hub.LocationManagerAsync(mine);
        await StoreAsync(Guid.NewGuid(), mine, [Event("here", ReportedEventKind.DoorForcedOpen, Night, Guid.NewGuid())]);
        await StoreAsync(Guid.NewGuid(), theirs, [Event("there", ReportedEventKind.DoorForcedOpen, Night, Guid.NewGuid())]);

        var seen = await manager.GetJsonAsync("/api/v1/edge-events");
        var filtered = await manager.GetJsonAsync($"/api/v1/edge-events?locationId={theirs}");

        Assert.Equal([mine], seen.Items().Select(e => e["locationId"]!.GetValue<Guid>()).Distinct());
        Assert.Empty(filtered.Items());
    }

    [Fact]
    public async Task Events_of_another_organisation_are_not_listed()
    {
        var (organisation, otherAdmin) = await hub.NewOrganisationAsync("Other alarms");
        var theirs = await HubFixture.CreateLocationAsync(otherAdmin);
        using var system = Coworking.Hub.Database.TenantScope.System("test: reports as an edge's sync stream does");
        await hub.Services.GetRequiredService<EventIntake>().StoreAsync(
            new EdgeIdentity(Guid.NewGuid(), organisation, theirs), [Event("secret", ReportedEventKind.DoorForcedOpen, Night, null)], default);

        var page = await hub.Admin.GetJsonAsync($"/api/v1/edge-events?locationId={theirs}");

        Assert.Empty(page.Items());
    }

    [Fact]
    public async Task Unknown_kind_and_limit_over_500_are_named()
    {
        using var response = await hub.Admin.GetAsync("/api/v1/edge-events?kind=door_exploded&limit=501");

        Assert.Equal(["kind", "limit"], (await response.ProblemAsync(400)).ErrorFields().Order());
    }

    private static ReportedEvent Event(string id, ReportedEventKind kind, DateTimeOffset at, Guid? door) => new()
    {
        EventId = id, Kind = kind, OccurredAt = Timestamp.FromDateTimeOffset(at), DoorId = door?.ToString() ?? string.Empty,
        ReaderId = kind is ReportedEventKind.ReaderOffline ? "osdp:1" : string.Empty,
    };

    private async Task StoreAsync(Guid edge, Guid location, IReadOnlyList<ReportedEvent> events)
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reports as an edge's sync stream does");
        var result = await hub.Services.GetRequiredService<EventIntake>().StoreAsync(new EdgeIdentity(edge, hub.OrganisationId, location), events, default);
        Assert.Empty(result.Rejected);
    }

    private sealed record JsonNodeView(string EventId, string Kind, Guid DoorId, string EdgeId);
}
