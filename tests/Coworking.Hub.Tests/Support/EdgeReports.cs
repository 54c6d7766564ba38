using Coworking.Hub.EdgeSync;
using Coworking.Proto.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Support;

/// <summary>Access decisions as an edge reports them: through the hub's own intake, the one writer of access events.</summary>
public static class EdgeReports
{
    /// <summary>Reports one access decision from <paramref name="edgeId"/> (a new edge unless given) of a location; the ids the intake stored.</summary>
    public static async Task<IReadOnlyList<string>> DecisionAsync(
        IServiceProvider services, Guid organisationId, Guid locationId, string eventId, string reason, DateTimeOffset at,
        Guid? doorId = null, Guid? holderId = null, Guid? edgeId = null)
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reports as an edge's sync stream does");
        var result = await services.GetRequiredService<EventIntake>().StoreAsync(
            new EdgeIdentity(edgeId ?? Guid.NewGuid(), organisationId, locationId),
            [
                new ReportedEvent
                {
                    EventId = eventId,
                    Kind = ReportedEventKind.AccessDecision,
                    OccurredAt = Timestamp.FromDateTimeOffset(at),
                    DoorId = doorId?.ToString() ?? string.Empty,
                    HolderId = holderId?.ToString() ?? string.Empty,
                    Reason = reason,
                },
            ],
            CancellationToken.None);
        Assert.Empty(result.Rejected);
        return result.Stored;
    }
}
