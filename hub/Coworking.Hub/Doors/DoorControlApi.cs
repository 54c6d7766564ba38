using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Coworking.Hub.EdgeSync;
using Coworking.Hub.Http;
using Coworking.Hub.Locations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Doors;

/// <summary>
/// Door control (docs/API.md "Door control"): a door's credential policy and hours, lockdowns of a door, an area or the
/// whole location, who a lockdown still admits, and remote unlock through the location's edge. A location manager
/// controls only the locations it manages.
/// </summary>
public static class DoorControlApi
{
    public const int MaxUnlockSeconds = 3600;

    public static IServiceCollection AddDoorControl(this IServiceCollection services) => services.AddSingleton<DoorControlStore>();

    public static RouteGroupBuilder MapDoorControlApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/locations/{id:guid}").WithTags("Door control");
        api.MapGet("/doors/{doorId:guid}/control", GetControl);
        api.MapPut("/doors/{doorId:guid}/control", SetControl);
        api.MapPost("/doors/{doorId:guid}/unlock", Unlock);
        api.MapGet("/lockdowns", ListLockdowns);
        api.MapPost("/lockdowns", StartLockdown);
        api.MapGet("/lockdowns/{lockdownId:guid}", GetLockdown);
        api.MapPost("/lockdowns/{lockdownId:guid}/lift", LiftLockdown);
        api.MapGet("/access-roles", GetRoles);
        api.MapPut("/access-roles", SetRoles);
        return api;
    }

    /// <summary>
    /// How a door-control write names who made it, for the lockdown rows and the edge's remote-unlock event:
    /// the caller's actor kind and id (<c>operator:…</c>, <c>api_key:…</c>).
    /// </summary>
    internal static string Actor(Caller caller) => $"{caller.Actor.Kind.ToDb()}:{caller.Actor.Id}";

    internal static async Task<Results<Ok<DoorControlResponse>, NotFound>> GetControl(
        Guid id, Guid doorId, Caller caller, LocationStore locations, DoorControlStore store, CancellationToken cancellationToken) =>
        await IsVisible(id, caller, locations, cancellationToken) && await store.GetControlAsync(id, doorId, cancellationToken) is { } control
            ? TypedResults.Ok(control)
            : TypedResults.NotFound();

    internal static async Task<Results<Ok<DoorControlResponse>, ValidationProblem, NotFound>> SetControl(
        Guid id, Guid doorId, DoorControlRequest request, Caller caller, LocationStore locations, DoorControlStore store, CancellationToken cancellationToken)
    {
        if (!await IsVisible(id, caller, locations, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        if (request.CredentialPolicy is null)
        {
            errors.Add("credentialPolicy", "is required: card, card_or_pin, card_and_pin or pin");
        }

        request.AcceptHours?.Validate("acceptHours", errors);
        request.UnlockedHours?.Validate("unlockedHours", errors);
        if (request.AcceptHours is { } accept && !accept.ToWeeklyWindows().Any())
        {
            errors.Add("acceptHours", "must hold at least one window; leave it out for all hours");
        }

        if (request.UnlockedHours is { } unlocked && !unlocked.ToWeeklyWindows().Any())
        {
            errors.Add("unlockedHours", "must hold at least one window; leave it out for never");
        }

        if (request.FirstPersonIn == true && request.UnlockedHours is null)
        {
            errors.Add("firstPersonIn", "needs unlockedHours: first-person-in delays the door's unlocked hours");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return await store.SetControlAsync(id, doorId, request, cancellationToken) is { } control ? TypedResults.Ok(control) : TypedResults.NotFound();
    }

    /// <summary>
    /// Releases the door's strike for <c>seconds</c> through the edge that drives it and answers what the edge did:
    /// 503 when no edge of the location is connected, 504 when none answered in time.
    /// </summary>
    internal static async Task<Results<Ok<RemoteUnlockResponse>, ValidationProblem, ProblemHttpResult, NotFound>> Unlock(
        Guid id, Guid doorId, RemoteUnlockRequest request, Caller caller, LocationStore locations, DoorCommands commands, CancellationToken cancellationToken)
    {
        if (request.Seconds is < 1 or > MaxUnlockSeconds)
        {
            var errors = new ValidationErrors();
            errors.Add("seconds", $"must be between 1 and {MaxUnlockSeconds}");
            return errors.ToProblem();
        }

        var door = await IsVisible(id, caller, locations, cancellationToken)
            ? (await locations.ListDoorsAsync(id, cancellationToken)).FirstOrDefault(d => d.Id == doorId)
            : null;
        if (door is null)
        {
            return TypedResults.NotFound();
        }

        var unlockMs = request.Seconds is { } seconds ? seconds * 1000 : Math.Max(1000, door.UnlockMs);
        var answer = await commands.UnlockAsync(id, doorId, unlockMs, Actor(caller), cancellationToken);
        return answer.State switch
        {
            DoorCommandState.NoEdgeConnected => TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "No edge of this location is connected",
                detail: "The door was not unlocked: no edge of the location holds a stream to the hub. GET /api/v1/edges shows when each was last in contact."),
            DoorCommandState.TimedOut => TypedResults.Problem(
                statusCode: StatusCodes.Status504GatewayTimeout, title: "The edge did not answer in time",
                detail: "The door was not unlocked: no connected edge that drives this door answered. The command has expired and will not be carried out later."),
            _ => TypedResults.Ok(new RemoteUnlockResponse(answer.CommandId, doorId, answer.Outcome == "unlocked", answer.Outcome!, answer.EdgeId!.Value, unlockMs, answer.AnsweredAt)),
        };
    }

    internal static async Task<Results<Ok<Page<LockdownResponse>>, NotFound>> ListLockdowns(
        Guid id, bool? active, Caller caller, LocationStore locations, DoorControlStore store, CancellationToken cancellationToken) =>
        await IsVisible(id, caller, locations, cancellationToken)
            ? TypedResults.Ok(new Page<LockdownResponse>(await store.ListLockdownsAsync(id, active ?? false, cancellationToken), null))
            : TypedResults.NotFound();

    internal static async Task<Results<Ok<LockdownResponse>, NotFound>> GetLockdown(
        Guid id, Guid lockdownId, Caller caller, LocationStore locations, DoorControlStore store, CancellationToken cancellationToken) =>
        await IsVisible(id, caller, locations, cancellationToken) && await store.GetLockdownAsync(id, lockdownId, cancellationToken) is { } lockdown
            ? TypedResults.Ok(lockdown)
            : TypedResults.NotFound();

    internal static async Task<Results<Created<LockdownResponse>, ValidationProblem, ProblemHttpResult, NotFound>> StartLockdown(
        Guid id, StartLockdownRequest request, Caller caller, LocationStore locations, DoorControlStore store, CancellationToken cancellationToken)
    {
        if (!await IsVisible(id, caller, locations, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        errors.Required("reason", request.Reason, maxLength: 500);
        switch (request.Scope)
        {
            case null:
                errors.Add("scope", "is required: location, area or door");
                break;
            case LockdownScope.Area when request.AreaId is null:
                errors.Add("areaId", "is required for an area lockdown");
                break;
            case LockdownScope.Door when request.DoorId is null:
                errors.Add("doorId", "is required for a door lockdown");
                break;
        }

        if (request.AreaId is not null && request.Scope != LockdownScope.Area)
        {
            errors.Add("areaId", "is only for an area lockdown");
        }

        if (request.DoorId is not null && request.Scope != LockdownScope.Door)
        {
            errors.Add("doorId", "is only for a door lockdown");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var (outcome, lockdown) = await store.StartLockdownAsync(
            id, request.Scope!.Value, request.AreaId, request.DoorId, request.Reason!.Trim(), Actor(caller), cancellationToken);
        return outcome == ControlWrite.Done
            ? TypedResults.Created($"/api/v1/locations/{id}/lockdowns/{lockdown!.Id}", lockdown)
            : Problems.UnknownReference(request.AreaId is not null ? "areaId" : "doorId", "is not a live one of this location");
    }

    internal static async Task<Results<Ok<LockdownResponse>, ProblemHttpResult, NotFound>> LiftLockdown(
        Guid id, Guid lockdownId, Caller caller, LocationStore locations, DoorControlStore store, CancellationToken cancellationToken)
    {
        if (!await IsVisible(id, caller, locations, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var (outcome, lockdown) = await store.LiftLockdownAsync(id, lockdownId, Actor(caller), cancellationToken);
        return outcome switch
        {
            ControlWrite.Done => TypedResults.Ok(lockdown!),
            ControlWrite.AlreadyLifted => Problems.Conflict("lockdownId", $"was lifted already at {lockdown!.LiftedAt:O}"),
            _ => TypedResults.NotFound(),
        };
    }

    internal static async Task<Results<Ok<AccessRoles>, NotFound>> GetRoles(
        Guid id, Caller caller, LocationStore locations, DoorControlStore store, CancellationToken cancellationToken) =>
        await IsVisible(id, caller, locations, cancellationToken) ? TypedResults.Ok(await store.GetRolesAsync(id, cancellationToken)) : TypedResults.NotFound();

    internal static async Task<Results<Ok<AccessRoles>, ValidationProblem, ProblemHttpResult, NotFound>> SetRoles(
        Guid id, AccessRoles request, Caller caller, LocationStore locations, DoorControlStore store, CancellationToken cancellationToken)
    {
        if (!await IsVisible(id, caller, locations, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        if (request.Staff is null && request.FirstResponders is null)
        {
            errors.Add("staff", "give staff, firstResponders or both (an empty list clears one)");
        }

        if ((request.Staff?.Count ?? 0) + (request.FirstResponders?.Count ?? 0) > 1000)
        {
            errors.Add("staff", "staff and firstResponders together must be at most 1000 members");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var (outcome, unknown) = await store.SetRolesAsync(caller.OrganisationId, id, request, cancellationToken);
        if (outcome == ControlWrite.UnknownMember)
        {
            var field = request.Staff?.ToList().IndexOf(unknown!.Value) is >= 0 and var i ? $"staff[{i}]" : $"firstResponders[{request.FirstResponders!.ToList().IndexOf(unknown!.Value)}]";
            return Problems.UnknownReference(field, "is not a member of this organisation");
        }

        return TypedResults.Ok(await store.GetRolesAsync(id, cancellationToken));
    }

    private static async Task<bool> IsVisible(Guid id, Caller caller, LocationStore store, CancellationToken cancellationToken) =>
        caller.Covers(id) && await store.GetAsync(caller.OrganisationId, id, cancellationToken) is not null;
}
