using Coworking.Hub.Access;
using Coworking.Hub.EdgeSync;
using Coworking.Hub.Http;
using Coworking.Hub.Locations;
using Coworking.Hub.Members;

namespace Coworking.Hub.Web.Console.AccessLog;

/// <summary>One line of the access log as the page and the CSV show it.</summary>
internal sealed record AccessLogRow(Guid Id, DateTimeOffset At, string Location, string TimeZone, string Door, string Member, string Result, string Detail);

/// <summary>
/// Reads a page of the access log through the stores the API uses (<see cref="AccessEventStore"/>, <see cref="EdgeEventStore"/>),
/// inside the operator's locations, and names its doors, members and locations.
/// </summary>
internal sealed class AccessLogReader(AccessEventStore accessEvents, EdgeEventStore edgeEvents, LocationStore locations, MemberStore members)
{
    public async Task<(IReadOnlyList<AccessLogRow> Rows, string? Next)> ReadAsync(
        ConsoleContext context, AccessLogQuery query, int limit, PageCursor? after, CancellationToken cancellationToken)
    {
        var scope = query.Locations(context);
        var doors = await DoorNamesAsync(context, query, cancellationToken);
        var sites = context.Locations.ToDictionary(l => l.Id);
        if (query.Show == AccessLogShow.Door)
        {
            var page = await edgeEvents.ListAsync(context.Caller.OrganisationId, scope, query.DoorFilter, limit, after, cancellationToken);
            return ([.. page.Items.Select(e => new AccessLogRow(
                e.Id, e.OccurredAt, sites.GetValueOrDefault(e.LocationId)?.Name ?? "", sites.GetValueOrDefault(e.LocationId)?.TimeZone ?? "UTC",
                Door(doors, e.DoorId), "", Kind(e.Kind), DoorDetail(e)))], page.NextCursor);
        }

        var decisions = await accessEvents.ListAsync(context.Caller.OrganisationId, scope, query.AccessFilter, limit, after, cancellationToken);
        var names = await members.NamesAsync(
            context.Caller.OrganisationId, [.. decisions.Items.Where(e => e.MemberId is not null).Select(e => e.MemberId!.Value)], cancellationToken);
        return ([.. decisions.Items.Select(e => new AccessLogRow(
            e.Id, e.OccurredAt, sites.GetValueOrDefault(e.LocationId)?.Name ?? "", sites.GetValueOrDefault(e.LocationId)?.TimeZone ?? "UTC",
            Door(doors, e.DoorId), e.MemberId is { } member ? names.GetValueOrDefault(member, "a removed member") : "Unknown credential",
            e.Decision == AccessDecision.Granted ? "Granted" : "Denied", e.Reason.Replace('_', ' ')))], decisions.NextCursor);
    }

    /// <summary>The doors of the locations the query reads, by id, with their location's name.</summary>
    public async Task<IReadOnlyList<(LocationResponse Location, DoorResponse Door)>> DoorsAsync(ConsoleContext context, AccessLogQuery query, CancellationToken cancellationToken)
    {
        var list = new List<(LocationResponse, DoorResponse)>();
        foreach (var location in context.Locations.Where(l => query.Location is null || l.Id == query.Location.Id))
        {
            list.AddRange((await locations.ListDoorsAsync(location.Id, cancellationToken)).Select(d => (location, d)));
        }

        return list;
    }

    public static string Kind(string kind) => kind switch
    {
        "door_opened" => "Door opened",
        "door_closed" => "Door closed",
        "door_held_open" => "Held open",
        "door_forced_open" => "Forced open",
        "request_to_exit" => "Request to exit",
        "reader_online" => "Reader online",
        "reader_offline" => "Reader offline",
        "remote_unlock" => "Remote unlock",
        "pin_lockout" => "PIN lock-out",
        "door_unlocked_by_schedule" => "Unlocked by schedule",
        "door_locked_by_schedule" => "Locked by schedule",
        _ => kind.Replace('_', ' '),
    };

    private async Task<Dictionary<Guid, string>> DoorNamesAsync(ConsoleContext context, AccessLogQuery query, CancellationToken cancellationToken) =>
        (await DoorsAsync(context, query, cancellationToken)).ToDictionary(d => d.Door.Id, d => d.Door.Name);

    private static string Door(Dictionary<Guid, string> doors, Guid? id) => id is null ? "" : doors.GetValueOrDefault(id.Value, "a removed door");

    private static string DoorDetail(EdgeEventResponse e) => string.Join(" · ", new[]
    {
        e.ReaderId is null ? null : $"reader {e.ReaderId}",
        e.Actor is null ? null : $"by {e.Actor}",
        e.Detail?.Replace('_', ' '),
    }.Where(p => p is not null));
}
