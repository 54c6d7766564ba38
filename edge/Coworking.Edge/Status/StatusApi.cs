using System.Reflection;
using Coworking.Edge.Cache;
using Coworking.Edge.Decisions;
using Coworking.Proto.V1;
using Coworking.Edge.Doors;
using Coworking.Edge.Outbox;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Edge.Status;

public sealed record EdgeStatus(
    string Version,
    DateTimeOffset Now,
    CacheStatus Cache,
    OutboxStatus Outbox,
    IReadOnlyList<ReaderStatus> Readers,
    IReadOnlyList<DoorStatus> Doors,
    IReadOnlyList<RecentDecision> RecentDecisions,
    SyncStatus? Sync,
    IReadOnlyList<PinLockoutStatus> PinLockouts,
    IReadOnlyList<LockdownStatus> Lockdowns,
    Sensors.SensorsStatus? Sensors = null,
    IReadOnlyList<Bridges.BridgeStatus>? Bridges = null);

/// <param name="Scope">reader, credential or edge.</param>
/// <param name="Id">The reader's or the card credential's id; null for the whole edge.</param>
public sealed record PinLockoutStatus(string Scope, string? Id, DateTimeOffset LockedUntil);

/// <summary>A lockdown in force as the hub sent it: which doors it covers (all, areas, doors) and why.</summary>
public sealed record LockdownStatus(string LockdownId, bool AllDoors, IReadOnlyList<string> AreaIds, IReadOnlyList<string> DoorIds, string Reason, DateTimeOffset StartedAt);

public sealed record CacheStatus(string CacheId, string LocationId, long Seq, int Credentials, int Holders, int Grants, int Doors, long RejectedChanges);

/// <summary>The outbox: unsent events, their stored size against the budget, and sensor readings dropped to keep to it.</summary>
public sealed record OutboxStatus(long Depth, long Bytes, long MaxBytes, long DroppedSensorReadings, bool OverBudget);

/// <param name="State">closed, unlocked, open, held_open or forced_open.</param>
/// <param name="Alarms">held_open or forced_open while the door is in that alarm.</param>
/// <param name="HeldReleased">The strike is held released for the door's unlocked hours.</param>
/// <param name="Lockdown">True while a lockdown covers the door.</param>
/// <param name="CredentialPolicy">card, card_or_pin, card_and_pin or pin; null for a door the hub has not described.</param>
public sealed record DoorStatus(
    string DoorId, string State, DateTimeOffset Since, IReadOnlyList<string> Alarms, bool HeldReleased = false, bool Lockdown = false, string? CredentialPolicy = null);

/// <summary>The installer's view of the edge: is it alive, and what do its readers, doors, cache and outbox say.</summary>
public static class StatusApi
{
    private static readonly string Version =
        typeof(StatusApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static IEndpointRouteBuilder MapStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", Health);
        app.MapGet("/status", Status);
        return app;
    }

    private static Results<Ok<string>, ProblemHttpResult> Health(EventOutbox outbox) =>
        outbox.ExecuteTask is { IsCompleted: false }
            ? TypedResults.Ok("ok")
            : TypedResults.Problem("The outbox is not recording events.", statusCode: StatusCodes.Status503ServiceUnavailable);

    private static Ok<EdgeStatus> Status(
        GrantCache cache,
        EventOutbox outbox,
        DoorRegistry doors,
        IEnumerable<IReaderStatusSource> readerSources,
        TimeProvider time,
        RecentDecisions recent,
        IEnumerable<ISyncStatusSource> syncSources,
        PinAttemptLimiter pinLimiter,
        IServiceProvider services)
    {
        var index = cache.Index;
        var cacheStatus = new CacheStatus(cache.CacheId, index.LocationId, index.Seq, index.CredentialCount, index.HolderCount,
            index.GrantCount, index.Doors.Count, cache.RejectedChanges);
        var readers = readerSources.SelectMany(s => s.Readers).OrderBy(r => r.ReaderId, StringComparer.Ordinal).ToList();
        var doorStates = doors.Doors.Select(d =>
        {
            var state = d.State;
            var known = index.TryGetDoor(d.DoorId, out var policy);
            return new DoorStatus(d.DoorId, WireName(state), d.StateSince,
                state is DoorState.HeldOpen or DoorState.ForcedOpen ? [WireName(state)] : [],
                d.HeldReleased, known && index.DoorControl.IsLockedDown(policy), known ? WireName(policy.Credentials) : null);
        }).ToList();
        var lockouts = pinLimiter.Lockouts.Select(l => new PinLockoutStatus(l.ScopeName, l.Key.Length == 0 ? null : l.Key, l.LockedUntil)).ToList();
        var lockdowns = index.DoorControl.Lockdowns.Select(l => new LockdownStatus(
            l.LockdownId, l.AllDoors, [.. l.AreaIds.Order(StringComparer.Ordinal)], [.. l.DoorIds.Order(StringComparer.Ordinal)], l.Reason, l.StartedAt)).ToList();
        return TypedResults.Ok(new EdgeStatus(Version, time.GetUtcNow(), cacheStatus, new OutboxStatus(outbox.Depth, outbox.Bytes, outbox.MaxBytes, outbox.DroppedForBudget, outbox.OverBudget), readers, doorStates,
            recent.Newest(), syncSources.FirstOrDefault()?.Sync, lockouts, lockdowns, services.GetService<Sensors.SensorIngest>()?.Status(),
            services.GetService<Bridges.VendorBridges>()?.Statuses));
    }

    private static string WireName(CredentialPolicy policy) => policy switch
    {
        CredentialPolicy.Card => "card",
        CredentialPolicy.CardAndPin => "card_and_pin",
        CredentialPolicy.Pin => "pin",
        _ => "card_or_pin",
    };

    private static string WireName(DoorState state) => state switch
    {
        DoorState.Closed => "closed",
        DoorState.Unlocked => "unlocked",
        DoorState.Open => "open",
        DoorState.HeldOpen => "held_open",
        DoorState.ForcedOpen => "forced_open",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };
}
