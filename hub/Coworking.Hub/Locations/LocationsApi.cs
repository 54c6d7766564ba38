using Coworking.Hub.Auth;
using Coworking.Hub.Doors;
using Coworking.Hub.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Locations;

public sealed record CreateLocationRequest(string? Name, string? TimeZone, string? Currency, string? Country, StaffedHours? StaffedHours = null);

public sealed record CreateAreaRequest(string? Name);

public sealed record CreateDoorRequest(Guid? AreaId, string? Name, DoorFailMode? FailMode = null, int? UnlockMs = null, int? HeldOpenLimitSeconds = null);

/// <summary>A location update: each field given replaces the stored one; the currency is fixed once invoices are in it.</summary>
public sealed record UpdateLocationRequest
{
    public Optional<string?> Name { get; init; }

    public Optional<string?> TimeZone { get; init; }

    public Optional<string?> Country { get; init; }

    public Optional<StaffedHours?> StaffedHours { get; init; }
}

public sealed record UpdateAreaRequest
{
    public Optional<string?> Name { get; init; }
}

/// <summary>A door's basic fields; its control (policy, hours, first-person-in) is set with PUT …/control.</summary>
public sealed record UpdateDoorRequest
{
    public Optional<Guid?> AreaId { get; init; }

    public Optional<string?> Name { get; init; }

    public Optional<DoorFailMode?> FailMode { get; init; }

    public Optional<int?> UnlockMs { get; init; }

    public Optional<int?> HeldOpenLimitSeconds { get; init; }
}

/// <summary>Locations with their areas and doors. A location manager sees only the locations it manages.</summary>
public static class LocationsApi
{
    public static RouteGroupBuilder MapLocationsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/locations").WithTags("Locations");
        api.MapGet("/", ListLocations);
        api.MapPost("/", CreateLocation);
        api.MapGet("/{id:guid}", GetLocation);
        api.MapPatch("/{id:guid}", UpdateLocation);
        api.MapGet("/{id:guid}/areas", ListAreas);
        api.MapPost("/{id:guid}/areas", CreateArea);
        api.MapGet("/{id:guid}/areas/{areaId:guid}", GetArea);
        api.MapPatch("/{id:guid}/areas/{areaId:guid}", UpdateArea);
        api.MapDelete("/{id:guid}/areas/{areaId:guid}", RemoveArea);
        api.MapGet("/{id:guid}/doors", ListDoors);
        api.MapPost("/{id:guid}/doors", CreateDoor);
        api.MapGet("/{id:guid}/doors/{doorId:guid}", GetDoor);
        api.MapPatch("/{id:guid}/doors/{doorId:guid}", UpdateDoor);
        api.MapDelete("/{id:guid}/doors/{doorId:guid}", RemoveDoor);
        return api;
    }

    internal static async Task<Ok<Page<LocationResponse>>> ListLocations(Caller caller, LocationStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new Page<LocationResponse>(await store.ListAsync(caller.OrganisationId, caller.Scope, cancellationToken), null));

    internal static async Task<Results<Created<LocationResponse>, ValidationProblem, ProblemHttpResult>> CreateLocation(
        CreateLocationRequest request, Caller caller, LocationStore store, CancellationToken cancellationToken)
    {
        if (!caller.IsOrgAdmin)
        {
            return Problems.Forbidden("only an organisation admin creates locations");
        }

        var errors = new ValidationErrors();
        errors.Required("name", request.Name);
        if (errors.Required("timeZone", request.TimeZone) && ZoneTime.CanonicalProblem(request.TimeZone!) is { } zoneProblem)
        {
            errors.Add("timeZone", zoneProblem);
        }

        if (errors.Required("currency", request.Currency) && !IsoCodes.Currencies.Contains(request.Currency!))
        {
            errors.Add("currency", "must be an ISO 4217 currency code such as EUR");
        }

        if (errors.Required("country", request.Country) && !IsoCodes.Countries.Contains(request.Country!))
        {
            errors.Add("country", "must be an ISO 3166-1 alpha-2 country code such as GB");
        }

        var hours = request.StaffedHours ?? new StaffedHours();
        hours.Validate("staffedHours", errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var created = await store.CreateAsync(
            caller.OrganisationId, new NewLocation(request.Name!.Trim(), request.TimeZone!, request.Currency!, request.Country!, hours), cancellationToken);
        return TypedResults.Created($"/api/v1/locations/{created.Id}", created);
    }

    internal static async Task<Results<Ok<LocationResponse>, NotFound>> GetLocation(Guid id, Caller caller, LocationStore store, CancellationToken cancellationToken) =>
        caller.Covers(id) && await store.GetAsync(caller.OrganisationId, id, cancellationToken) is { } location
            ? TypedResults.Ok(location)
            : TypedResults.NotFound();

    internal static async Task<Results<Ok<Page<AreaResponse>>, NotFound>> ListAreas(Guid id, Caller caller, LocationStore store, CancellationToken cancellationToken) =>
        await IsVisible(id, caller, store, cancellationToken)
            ? TypedResults.Ok(new Page<AreaResponse>(await store.ListAreasAsync(id, cancellationToken), null))
            : TypedResults.NotFound();

    internal static async Task<Results<Created<AreaResponse>, ValidationProblem, NotFound>> CreateArea(
        Guid id, CreateAreaRequest request, Caller caller, LocationStore store, CancellationToken cancellationToken)
    {
        if (!await IsVisible(id, caller, store, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        errors.Required("name", request.Name);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var area = await store.CreateAreaAsync(id, request.Name!.Trim(), cancellationToken);
        return TypedResults.Created($"/api/v1/locations/{id}/areas/{area.Id}", area);
    }

    /// <summary>Removes the area with its doors and resources; their bookings' passes and the lockdowns naming them end with it.</summary>
    internal static async Task<Results<NoContent, NotFound>> RemoveArea(Guid id, Guid areaId, Caller caller, LocationStore store, CancellationToken cancellationToken) =>
        await IsVisible(id, caller, store, cancellationToken) && await store.RemoveAreaAsync(id, areaId, DoorControlApi.Actor(caller), cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.NotFound();

    internal static async Task<Results<Ok<Page<DoorResponse>>, NotFound>> ListDoors(Guid id, Caller caller, LocationStore store, CancellationToken cancellationToken) =>
        await IsVisible(id, caller, store, cancellationToken)
            ? TypedResults.Ok(new Page<DoorResponse>(await store.ListDoorsAsync(id, cancellationToken), null))
            : TypedResults.NotFound();

    internal static async Task<Results<Created<DoorResponse>, ValidationProblem, ProblemHttpResult, NotFound>> CreateDoor(
        Guid id, CreateDoorRequest request, Caller caller, LocationStore store, CancellationToken cancellationToken)
    {
        if (!await IsVisible(id, caller, store, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        errors.Required("name", request.Name);
        if (request.AreaId is null)
        {
            errors.Add("areaId", "is required");
        }

        if (request.UnlockMs is < 100 or > 60_000)
        {
            errors.Add("unlockMs", "must be between 100 and 60000");
        }

        if (request.HeldOpenLimitSeconds is < 1 or > 3600)
        {
            errors.Add("heldOpenLimitSeconds", "must be between 1 and 3600");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var door = await store.CreateDoorAsync(
            id,
            new NewDoor(request.AreaId!.Value, request.Name!.Trim(), request.FailMode ?? DoorFailMode.Secure, request.UnlockMs ?? 5000, request.HeldOpenLimitSeconds ?? 30),
            cancellationToken);
        return door is null
            ? Problems.UnknownReference("areaId", "is not an area of this location")
            : TypedResults.Created($"/api/v1/locations/{id}/doors/{door.Id}", door);
    }

    internal static async Task<Results<NoContent, NotFound>> RemoveDoor(Guid id, Guid doorId, Caller caller, LocationStore store, CancellationToken cancellationToken) =>
        await IsVisible(id, caller, store, cancellationToken) && await store.RemoveDoorAsync(id, doorId, DoorControlApi.Actor(caller), cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.NotFound();

    /// <summary>
    /// Changes a location (an organisation admin, or a manager of it). A field left out stays as it is; a null is refused
    /// for every field but <c>staffedHours</c>, where it means never staffed.
    /// </summary>
    internal static async Task<Results<Ok<LocationResponse>, ValidationProblem, NotFound>> UpdateLocation(
        Guid id, UpdateLocationRequest request, Caller caller, LocationStore store, CancellationToken cancellationToken)
    {
        if (!await IsVisible(id, caller, store, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        if (request.Name.IsPresent)
        {
            errors.Required("name", request.Name.Value);
        }

        if (request.TimeZone.IsPresent && errors.Required("timeZone", request.TimeZone.Value) && ZoneTime.CanonicalProblem(request.TimeZone.Value!) is { } zoneProblem)
        {
            errors.Add("timeZone", zoneProblem);
        }

        if (request.Country.IsPresent && errors.Required("country", request.Country.Value) && !IsoCodes.Countries.Contains(request.Country.Value!))
        {
            errors.Add("country", "must be an ISO 3166-1 alpha-2 country code such as GB");
        }

        var hours = request.StaffedHours.IsPresent ? request.StaffedHours.Value ?? new StaffedHours() : null;
        hours?.Validate("staffedHours", errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var patch = new LocationPatch(request.Name.Value?.Trim(), request.TimeZone.Value, request.Country.Value, hours);
        return await store.UpdateAsync(caller.OrganisationId, id, patch, cancellationToken) is { } updated ? TypedResults.Ok(updated) : TypedResults.NotFound();
    }

    internal static async Task<Results<Ok<AreaResponse>, NotFound>> GetArea(Guid id, Guid areaId, Caller caller, LocationStore store, CancellationToken cancellationToken) =>
        await IsVisible(id, caller, store, cancellationToken) && await store.GetAreaAsync(id, areaId, cancellationToken) is { } area
            ? TypedResults.Ok(area)
            : TypedResults.NotFound();

    internal static async Task<Results<Ok<AreaResponse>, ValidationProblem, NotFound>> UpdateArea(
        Guid id, Guid areaId, UpdateAreaRequest request, Caller caller, LocationStore store, CancellationToken cancellationToken)
    {
        if (!await IsVisible(id, caller, store, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        if (request.Name.IsPresent)
        {
            errors.Required("name", request.Name.Value);
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var area = request.Name.IsPresent
            ? await store.RenameAreaAsync(id, areaId, request.Name.Value!.Trim(), cancellationToken)
            : await store.GetAreaAsync(id, areaId, cancellationToken);
        return area is null ? TypedResults.NotFound() : TypedResults.Ok(area);
    }

    internal static async Task<Results<Ok<DoorResponse>, NotFound>> GetDoor(Guid id, Guid doorId, Caller caller, LocationStore store, CancellationToken cancellationToken) =>
        await IsVisible(id, caller, store, cancellationToken) && await store.GetDoorAsync(id, doorId, cancellationToken) is { } door
            ? TypedResults.Ok(door)
            : TypedResults.NotFound();

    /// <summary>Changes a door's basic fields; the edges get the whole door again, its control included.</summary>
    internal static async Task<Results<Ok<DoorResponse>, ValidationProblem, ProblemHttpResult, NotFound>> UpdateDoor(
        Guid id, Guid doorId, UpdateDoorRequest request, Caller caller, LocationStore store, CancellationToken cancellationToken)
    {
        if (!await IsVisible(id, caller, store, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        if (request.Name.IsPresent)
        {
            errors.Required("name", request.Name.Value);
        }

        foreach (var (field, isNull) in new[]
        {
            ("areaId", request.AreaId.IsNull), ("failMode", request.FailMode.IsNull), ("unlockMs", request.UnlockMs.IsNull),
            ("heldOpenLimitSeconds", request.HeldOpenLimitSeconds.IsNull),
        })
        {
            if (isNull)
            {
                errors.Add(field, "must not be null; leave it out to keep it");
            }
        }

        if (request.UnlockMs.Value is < 100 or > 60_000)
        {
            errors.Add("unlockMs", "must be between 100 and 60000");
        }

        if (request.HeldOpenLimitSeconds.Value is < 1 or > 3600)
        {
            errors.Add("heldOpenLimitSeconds", "must be between 1 and 3600");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var patch = new DoorPatch(request.AreaId.Value, request.Name.Value?.Trim(), request.FailMode.Value, request.UnlockMs.Value, request.HeldOpenLimitSeconds.Value);
        var (outcome, door) = await store.UpdateDoorAsync(id, doorId, patch, cancellationToken);
        return outcome switch
        {
            DoorWrite.Done => TypedResults.Ok(door!),
            DoorWrite.UnknownArea => Problems.UnknownReference("areaId", "is not an area of this location"),
            _ => TypedResults.NotFound(),
        };
    }

    private static async Task<bool> IsVisible(Guid id, Caller caller, LocationStore store, CancellationToken cancellationToken) =>
        caller.Covers(id) && await store.GetAsync(caller.OrganisationId, id, cancellationToken) is not null;
}
