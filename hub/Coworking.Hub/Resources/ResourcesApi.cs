using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Coworking.Hub.Http;
using Coworking.Hub.Locations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Resources;

/// <summary>A desk, room, office or space; <see cref="BookableHours"/> absent means bookable at all hours.</summary>
public sealed record CreateResourceRequest(Guid? AreaId, string? Name, ResourceKind? Kind, int? Capacity = null, StaffedHours? BookableHours = null);

/// <summary>A resource update: a field left out stays; <see cref="BookableHours"/> null means bookable at all hours again.</summary>
public sealed record UpdateResourceRequest
{
    public Optional<Guid?> AreaId { get; init; }

    public Optional<string?> Name { get; init; }

    public Optional<ResourceKind?> Kind { get; init; }

    public Optional<int?> Capacity { get; init; }

    public Optional<StaffedHours?> BookableHours { get; init; }
}

/// <summary>Bookable resources of a location. A location manager sees only those of its locations.</summary>
public static class ResourcesApi
{
    public static IEndpointRouteBuilder MapResourcesApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/").WithTags("Resources");
        api.MapGet("/locations/{id:guid}/resources", ListResources);
        api.MapPost("/locations/{id:guid}/resources", CreateResource);
        api.MapGet("/resources/{id:guid}", GetResource);
        api.MapPatch("/resources/{id:guid}", UpdateResource);
        api.MapDelete("/resources/{id:guid}", RemoveResource);
        return routes;
    }

    internal static async Task<Results<Ok<Page<ResourceResponse>>, ValidationProblem, NotFound>> ListResources(
        Guid id, string? kind, Caller caller, LocationStore locations, ResourceStore store, CancellationToken cancellationToken)
    {
        if (!caller.Covers(id) || await locations.GetAsync(caller.OrganisationId, id, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        var wanted = ParseKind(kind, errors);
        return errors.Any
            ? errors.ToProblem()
            : TypedResults.Ok(new Page<ResourceResponse>(await store.ListAsync(id, wanted, cancellationToken), null));
    }

    internal static async Task<Results<Created<ResourceResponse>, ValidationProblem, ProblemHttpResult, NotFound>> CreateResource(
        Guid id, CreateResourceRequest request, Caller caller, LocationStore locations, ResourceStore store, CancellationToken cancellationToken)
    {
        if (!caller.Covers(id) || await locations.GetAsync(caller.OrganisationId, id, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        errors.Required("name", request.Name);
        if (request.AreaId is null)
        {
            errors.Add("areaId", "is required");
        }

        if (request.Kind is null)
        {
            errors.Add("kind", "is required: hot_desk, dedicated_desk, meeting_room, private_office, event_space or phone_booth");
        }

        if (request.Capacity is < 1 or > 10_000)
        {
            errors.Add("capacity", "must be between 1 and 10000");
        }

        request.BookableHours?.Validate("bookableHours", errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var created = await store.CreateAsync(
            id, new NewResource(request.AreaId!.Value, request.Name!.Trim(), request.Kind!.Value, request.Capacity ?? 1, request.BookableHours), cancellationToken);
        return created is null
            ? Problems.UnknownReference("areaId", "is not an area of this location")
            : TypedResults.Created($"/api/v1/resources/{created.Id}", created);
    }

    internal static async Task<Results<Ok<ResourceResponse>, NotFound>> GetResource(Guid id, Caller caller, ResourceStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(caller.OrganisationId, id, cancellationToken) is { } found && caller.Covers(found.Resource.LocationId)
            ? TypedResults.Ok(found.Resource)
            : TypedResults.NotFound();

    internal static async Task<Results<Ok<ResourceResponse>, ValidationProblem, ProblemHttpResult, NotFound>> UpdateResource(
        Guid id, UpdateResourceRequest request, Caller caller, ResourceStore store, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(caller.OrganisationId, id, cancellationToken) is not { } found || !caller.Covers(found.Resource.LocationId))
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        if (request.Name.IsPresent)
        {
            errors.Required("name", request.Name.Value);
        }

        foreach (var (field, isNull) in new[] { ("areaId", request.AreaId.IsNull), ("kind", request.Kind.IsNull), ("capacity", request.Capacity.IsNull) })
        {
            if (isNull)
            {
                errors.Add(field, "must not be null; leave it out to keep it");
            }
        }

        if (request.Capacity.Value is < 1 or > 10_000)
        {
            errors.Add("capacity", "must be between 1 and 10000");
        }

        request.BookableHours.Value?.Validate("bookableHours", errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var patch = new ResourcePatch(
            request.AreaId.Value, request.Name.Value?.Trim(), request.Kind.Value, request.Capacity.Value, request.BookableHours.IsPresent, request.BookableHours.Value);
        var (outcome, updated) = await store.UpdateAsync(caller.OrganisationId, id, patch, cancellationToken);
        return outcome switch
        {
            ResourceWrite.Done => TypedResults.Ok(updated!),
            ResourceWrite.UnknownArea => Problems.UnknownReference("areaId", "is not an area of this location"),
            _ => TypedResults.NotFound(),
        };
    }

    internal static async Task<Results<NoContent, NotFound>> RemoveResource(Guid id, Caller caller, ResourceStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(caller.OrganisationId, id, cancellationToken) is { } found && caller.Covers(found.Resource.LocationId)
            && await store.RemoveAsync(id, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.NotFound();

    internal static ResourceKind? ParseKind(string? kind, ValidationErrors errors, string field = "kind")
    {
        if (kind is null)
        {
            return null;
        }

        if (DbText.TryParse<ResourceKind>(kind, out var parsed))
        {
            return parsed;
        }

        errors.Add(field, "must be hot_desk, dedicated_desk, meeting_room, private_office, event_space or phone_booth");
        return null;
    }
}
