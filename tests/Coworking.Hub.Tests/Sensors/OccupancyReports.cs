using Coworking.Hub.EdgeSync;
using Coworking.Proto.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Sensors;

/// <summary>Occupancy changes as an edge reports them: through the hub's own intake.</summary>
public static class OccupancyReports
{
    public static ReportedEvent Change(Guid resourceId, Guid areaId, bool occupied, DateTimeOffset at, string? eventId = null, int count = -1) => new()
    {
        EventId = eventId ?? Guid.CreateVersion7().ToString(),
        Kind = ReportedEventKind.OccupancyChanged,
        OccurredAt = Timestamp.FromDateTimeOffset(at),
        Occupancy = new OccupancyReport { ResourceId = resourceId.ToString(), AreaId = areaId.ToString(), Occupied = occupied, Count = count },
    };

    /// <summary>A 5-minute aggregate as the edge sends it: the state at the window's end with the window's figures.</summary>
    public static ReportedEvent Window(Guid resourceId, Guid areaId, DateTimeOffset start, int occupiedSeconds, double co2Mean, double co2Max, string? eventId = null) => new()
    {
        EventId = eventId ?? Guid.CreateVersion7().ToString(),
        Kind = ReportedEventKind.OccupancyAggregate,
        OccurredAt = Timestamp.FromDateTimeOffset(start.AddMinutes(5)),
        Occupancy = new OccupancyReport
        {
            ResourceId = resourceId.ToString(), AreaId = areaId.ToString(), Occupied = occupiedSeconds > 0, Count = -1, WindowStart = Timestamp.FromDateTimeOffset(start),
            WindowS = 300, OccupiedS = occupiedSeconds, PeakCount = -1, Co2MeanPpm = co2Mean, Co2MaxPpm = co2Max,
        },
    };

    public static async Task<IntakeResultView> StoreAsync(IServiceProvider services, Guid edgeId, Guid organisationId, Guid locationId, params ReportedEvent[] events)
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reports as an edge's sync stream does");
        var result = await services.GetRequiredService<EventIntake>().StoreAsync(new EdgeIdentity(edgeId, organisationId, locationId), events, CancellationToken.None);
        return new IntakeResultView(result.Stored, result.Rejected);
    }
}

public sealed record IntakeResultView(IReadOnlyList<string> Stored, IReadOnlyList<string> Rejected);
