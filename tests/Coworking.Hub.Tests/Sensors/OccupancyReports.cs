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

    public static async Task<IntakeResultView> StoreAsync(IServiceProvider services, Guid edgeId, Guid organisationId, Guid locationId, params ReportedEvent[] events)
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reports as an edge's sync stream does");
        var result = await services.GetRequiredService<EventIntake>().StoreAsync(new EdgeIdentity(edgeId, organisationId, locationId), events, CancellationToken.None);
        return new IntakeResultView(result.Stored, result.Rejected);
    }
}

public sealed record IntakeResultView(IReadOnlyList<string> Stored, IReadOnlyList<string> Rejected);
