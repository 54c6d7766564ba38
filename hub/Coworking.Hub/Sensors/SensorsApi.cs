using Coworking.Hub.Auth;
using Coworking.Hub.Http;
using Coworking.Hub.Locations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Sensors;

/// <summary>
/// An occupancy sensor: it watches a resource (<see cref="ResourceId"/>) or a whole area (<see cref="AreaId"/>), one of
/// the two. An empty or absent topic is allowed for the own scheme only. PIR hold and the offline timeout in seconds.
/// </summary>
public sealed record CreateSensorRequest(
    string? Name, SensorKind? Kind, SensorAdapter? Adapter, string? Topic = null, Guid? ResourceId = null, Guid? AreaId = null,
    int? HoldSeconds = null, int? TimeoutSeconds = null);

/// <summary>A sensor update: a field left out stays. Giving resourceId or areaId moves what it watches.</summary>
public sealed record UpdateSensorRequest
{
    public Optional<string?> Name { get; init; }

    public Optional<SensorKind?> Kind { get; init; }

    public Optional<SensorAdapter?> Adapter { get; init; }

    public Optional<string?> Topic { get; init; }

    public Optional<Guid?> ResourceId { get; init; }

    public Optional<Guid?> AreaId { get; init; }

    public Optional<int?> HoldSeconds { get; init; }

    public Optional<int?> TimeoutSeconds { get; init; }
}

/// <summary>A location's occupancy sensors (ARCHITECTURE §11). A location manager sees only those of its locations.</summary>
public static class SensorsApi
{
    public const int DefaultHoldSeconds = 300;

    public const int DefaultTimeoutSeconds = 1800;

    public static IEndpointRouteBuilder MapSensorsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/locations").WithTags("Sensors");
        api.MapGet("/{id:guid}/sensors", ListSensors);
        api.MapPost("/{id:guid}/sensors", CreateSensor);
        api.MapGet("/{id:guid}/sensors/{sensorId:guid}", GetSensor);
        api.MapPatch("/{id:guid}/sensors/{sensorId:guid}", UpdateSensor);
        api.MapDelete("/{id:guid}/sensors/{sensorId:guid}", RemoveSensor);
        routes.MapUtilisationApi();
        return routes;
    }

    internal static async Task<Results<Ok<Page<SensorResponse>>, NotFound>> ListSensors(
        Guid id, Caller caller, LocationStore locations, SensorStore store, CancellationToken cancellationToken) =>
        await IsVisibleAsync(id, caller, locations, cancellationToken)
            ? TypedResults.Ok(new Page<SensorResponse>(await store.ListAsync(id, cancellationToken), null))
            : TypedResults.NotFound();

    internal static async Task<Results<Created<SensorResponse>, ValidationProblem, ProblemHttpResult, NotFound>> CreateSensor(
        Guid id, CreateSensorRequest request, Caller caller, LocationStore locations, SensorStore store, CancellationToken cancellationToken)
    {
        if (!await IsVisibleAsync(id, caller, locations, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        errors.Required("name", request.Name);
        if (request.Kind is null)
        {
            errors.Add("kind", "is required: pir, presence, desk, co2 or counter");
        }

        if (request.Adapter is null)
        {
            errors.Add("adapter", "is required: zigbee2mqtt, coworking or people_counter");
        }

        CheckTopic(request.Topic, errors);
        if (request.ResourceId is null == request.AreaId is null)
        {
            errors.Add(request.ResourceId is null ? "resourceId" : "areaId", "give the resource it watches (resourceId) or the area (areaId), one of the two");
        }

        CheckSeconds(request.HoldSeconds, request.TimeoutSeconds, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var (outcome, created) = await store.CreateAsync(
            id,
            new NewSensor(
                request.Name!.Trim(), request.Kind!.Value, request.Adapter!.Value, request.Topic?.Trim() ?? string.Empty,
                new Watched(request.ResourceId, request.AreaId), request.HoldSeconds ?? DefaultHoldSeconds, request.TimeoutSeconds ?? DefaultTimeoutSeconds),
            cancellationToken);
        return outcome == SensorWrite.Done ? TypedResults.Created($"/api/v1/locations/{id}/sensors/{created!.Id}", created) : Refused(outcome);
    }

    internal static async Task<Results<Ok<SensorResponse>, NotFound>> GetSensor(
        Guid id, Guid sensorId, Caller caller, LocationStore locations, SensorStore store, CancellationToken cancellationToken) =>
        await IsVisibleAsync(id, caller, locations, cancellationToken) && await store.GetAsync(id, sensorId, cancellationToken) is { } sensor
            ? TypedResults.Ok(sensor)
            : TypedResults.NotFound();

    internal static async Task<Results<Ok<SensorResponse>, ValidationProblem, ProblemHttpResult, NotFound>> UpdateSensor(
        Guid id, Guid sensorId, UpdateSensorRequest request, Caller caller, LocationStore locations, SensorStore store, CancellationToken cancellationToken)
    {
        if (!await IsVisibleAsync(id, caller, locations, cancellationToken))
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
            ("kind", request.Kind.IsNull), ("adapter", request.Adapter.IsNull), ("holdSeconds", request.HoldSeconds.IsNull),
            ("timeoutSeconds", request.TimeoutSeconds.IsNull),
        })
        {
            if (isNull)
            {
                errors.Add(field, "must not be null; leave it out to keep it");
            }
        }

        CheckTopic(request.Topic.Value, errors);
        Watched? watched = null;
        if (request.ResourceId.IsPresent && request.AreaId.IsPresent)
        {
            errors.Add("areaId", "give resourceId or areaId, not both");
        }
        else if (request.ResourceId.IsPresent || request.AreaId.IsPresent)
        {
            var (field, value) = request.ResourceId.IsPresent ? ("resourceId", request.ResourceId.Value) : ("areaId", request.AreaId.Value);
            if (value is null)
            {
                errors.Add(field, "must not be null; give the other field to watch something else");
            }

            watched = request.ResourceId.IsPresent ? new Watched(value, null) : new Watched(null, value);
        }

        CheckSeconds(request.HoldSeconds.Value, request.TimeoutSeconds.Value, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var patch = new SensorPatch(
            request.Name.Value?.Trim(), request.Kind.Value, request.Adapter.Value, request.Topic.IsPresent ? request.Topic.Value?.Trim() ?? string.Empty : null,
            watched, request.HoldSeconds.Value, request.TimeoutSeconds.Value);
        var (outcome, updated) = await store.UpdateAsync(id, sensorId, patch, cancellationToken);
        return outcome switch
        {
            SensorWrite.Done => TypedResults.Ok(updated!),
            SensorWrite.NotFound => TypedResults.NotFound(),
            _ => Refused(outcome),
        };
    }

    internal static async Task<Results<NoContent, NotFound>> RemoveSensor(
        Guid id, Guid sensorId, Caller caller, LocationStore locations, SensorStore store, CancellationToken cancellationToken) =>
        await IsVisibleAsync(id, caller, locations, cancellationToken) && await store.RemoveAsync(id, sensorId, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.NotFound();

    private static async Task<bool> IsVisibleAsync(Guid locationId, Caller caller, LocationStore locations, CancellationToken cancellationToken) =>
        caller.Covers(locationId) && await locations.GetAsync(caller.OrganisationId, locationId, cancellationToken) is not null;

    /// <summary>An MQTT topic a sensor publishes on: no wildcards, no empty levels at the ends, no control characters.</summary>
    private static void CheckTopic(string? topic, ValidationErrors errors)
    {
        var trimmed = topic?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return;
        }

        if (trimmed.Length > 200)
        {
            errors.Add("topic", "must be at most 200 characters");
        }
        else if (trimmed.IndexOfAny(['+', '#']) >= 0 || trimmed.StartsWith('/') || trimmed.EndsWith('/') || trimmed.Any(char.IsControl))
        {
            errors.Add("topic", "must be a plain MQTT topic such as zigbee2mqtt/room-1-presence: no + or # wildcards, no leading or trailing /");
        }
    }

    private static void CheckSeconds(int? holdSeconds, int? timeoutSeconds, ValidationErrors errors)
    {
        if (holdSeconds is < 1 or > 86_400)
        {
            errors.Add("holdSeconds", "must be between 1 and 86400");
        }

        if (timeoutSeconds is < 10 or > 604_800)
        {
            errors.Add("timeoutSeconds", "must be between 10 and 604800");
        }
    }

    private static ProblemHttpResult Refused(SensorWrite outcome) => outcome switch
    {
        SensorWrite.UnknownResource => Problems.UnknownReference("resourceId", "is not a resource of this location"),
        SensorWrite.UnknownArea => Problems.UnknownReference("areaId", "is not an area of this location"),
        SensorWrite.TopicTaken => Problems.Conflict("topic", "another sensor of this location publishes on it"),
        _ => Problems.Unprocessable("topic", "is required for the zigbee2mqtt and people_counter adapters"),
    };
}
