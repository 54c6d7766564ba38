using Coworking.Hub.Sensors;
using Coworking.Hub.Tests.Support;
using Coworking.Proto.V1;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Hub.Tests.Sensors;

public sealed class SensorSamplesTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Fact]
    public async Task Occupancy_change_sent_again_after_a_lost_acknowledgement_is_stored_once()
    {
        var site = await Workspace.SiteAsync(hub.Admin);
        var room = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room");
        var edge = Guid.NewGuid();
        var change = OccupancyReports.Change(room, site.AreaId, occupied: true, DateTimeOffset.UtcNow.AddMinutes(-3), count: 2);

        var first = await OccupancyReports.StoreAsync(hub.Services, edge, hub.OrganisationId, site.LocationId, change);
        var again = await OccupancyReports.StoreAsync(hub.Services, edge, hub.OrganisationId, site.LocationId, change);

        Assert.Equal([change.EventId], first.Stored);
        Assert.Equal([change.EventId], again.Stored);
        var stored = Assert.Single(await SamplesAsync(room));
        Assert.True(stored.Occupied);
        Assert.Equal(2, stored.PeopleCount);
    }

    [Fact]
    public async Task Bad_occupancy_events_are_rejected_and_the_rest_of_their_batch_is_stored()
    {
        var site = await Workspace.SiteAsync(hub.Admin);
        var desk = await Workspace.ResourceAsync(hub.Admin, site, "hot_desk");
        var now = DateTimeOffset.UtcNow;
        var good = OccupancyReports.Change(desk, site.AreaId, occupied: true, now.AddMinutes(-1));
        var noReport = new ReportedEvent { EventId = "no-report", Kind = ReportedEventKind.OccupancyChanged, OccurredAt = Timestamp.FromDateTimeOffset(now) };
        var nothingWatched = OccupancyReports.Change(desk, site.AreaId, occupied: true, now, eventId: "nothing-watched");
        nothingWatched.Occupancy.ResourceId = "desk-7";
        nothingWatched.Occupancy.AreaId = string.Empty;
        var badCo2 = OccupancyReports.Change(desk, site.AreaId, occupied: false, now, eventId: "bad-co2");
        badCo2.Occupancy.Co2Ppm = double.NaN;
        var ancient = OccupancyReports.Change(desk, site.AreaId, occupied: false, now.AddYears(-5), eventId: "ancient");
        var decision = new ReportedEvent
        {
            EventId = Guid.CreateVersion7().ToString(), Kind = ReportedEventKind.AccessDecision, OccurredAt = Timestamp.FromDateTimeOffset(now), Reason = "granted",
        };

        var result = await OccupancyReports.StoreAsync(hub.Services, Guid.NewGuid(), hub.OrganisationId, site.LocationId, good, noReport, nothingWatched, badCo2, ancient, decision);

        Assert.Equal(["no-report", "nothing-watched", "bad-co2", "ancient"], result.Rejected);
        Assert.Equal([good.EventId, decision.EventId], result.Stored);
        Assert.Single(await SamplesAsync(desk));
    }

    [Fact]
    public async Task Samples_land_in_month_partitions_held_by_row_security_and_months_past_the_retention_are_dropped()
    {
        var site = await Workspace.SiteAsync(hub.Admin);
        var desk = await Workspace.ResourceAsync(hub.Admin, site, "hot_desk");
        var now = DateTimeOffset.UtcNow;
        var old = now.AddMonths(-6);
        await OccupancyReports.StoreAsync(
            hub.Services, Guid.NewGuid(), hub.OrganisationId, site.LocationId,
            OccupancyReports.Change(desk, site.AreaId, occupied: true, old), OccupancyReports.Change(desk, site.AreaId, occupied: false, now.AddMinutes(-1)));
        var oldPartition = $"sensor_samples_{old.UtcDateTime:yyyy_MM}";
        Assert.Contains(oldPartition, await PartitionsAsync());
        Assert.Equal(2, (await SamplesAsync(desk)).Count);

        var dropped = await hub.Services.GetRequiredService<SamplePartitions>().MaintainAsync(CancellationToken.None);

        Assert.Contains(oldPartition, dropped);
        var partitions = await PartitionsAsync();
        Assert.DoesNotContain(oldPartition, partitions);
        Assert.Contains($"sensor_samples_{now.UtcDateTime:yyyy_MM}", partitions);
        Assert.Contains($"sensor_samples_{now.UtcDateTime.AddMonths(2):yyyy_MM}", partitions);
        Assert.False((await SamplesAsync(desk)).Single().Occupied);
        await using var conn = new NpgsqlConnection(hub.ConnectionString);
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM pg_class WHERE relname LIKE 'sensor\\_samples\\_%' AND relkind = 'r' AND NOT (relrowsecurity AND relforcerowsecurity)"));
    }

    private async Task<IReadOnlyList<string>> PartitionsAsync()
    {
        await using var conn = new NpgsqlConnection(hub.ConnectionString);
        return [.. await conn.QueryAsync<string>("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'sensor_samples'::regclass")];
    }

    private async Task<IReadOnlyList<SampleRow>> SamplesAsync(Guid resourceId)
    {
        await using var conn = new NpgsqlConnection(hub.ConnectionString);
        return [.. await conn.QueryAsync<SampleRow>(
            "SELECT occupied, people_count AS peoplecount FROM sensor_samples WHERE resource_id = @resourceId ORDER BY occurred_at", new { resourceId })];
    }

    private sealed record SampleRow(bool Occupied, int? PeopleCount);
}
