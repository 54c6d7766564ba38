using System.Text.RegularExpressions;
using Coworking.Hub.Auth;
using Coworking.Hub.Http;
using Coworking.Hub.Locations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Sensors;

public sealed record CreateSensorGatewayRequest(string? Username);

/// <summary>
/// A location's sensor gateways (docs/SENSORS.md "Gateways"): the MQTT usernames its edges' embedded brokers accept,
/// each with a password the hub issues and answers once. Managers of the location issue, renew and remove them.
/// </summary>
public static partial class SensorGatewaysApi
{
    public static IEndpointRouteBuilder MapSensorGatewaysApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/locations/{id:guid}").WithTags("Sensors");
        api.MapGet("/sensor-gateways", ListGateways);
        api.MapPost("/sensor-gateways", IssueGateway);
        api.MapGet("/sensor-gateways/{gatewayId:guid}", GetGateway);
        api.MapPost("/sensor-gateways/{gatewayId:guid}/password", RenewPassword);
        api.MapDelete("/sensor-gateways/{gatewayId:guid}", RemoveGateway);
        return routes;
    }

    internal static async Task<Results<Ok<Page<SensorGatewayResponse>>, NotFound>> ListGateways(
        Guid id, Caller caller, LocationStore locations, SensorGatewayStore store, CancellationToken cancellationToken) =>
        await IsVisibleAsync(id, caller, locations, cancellationToken)
            ? TypedResults.Ok(new Page<SensorGatewayResponse>(await store.ListAsync(id, cancellationToken), null))
            : TypedResults.NotFound();

    internal static async Task<Results<Ok<SensorGatewayResponse>, NotFound>> GetGateway(
        Guid id, Guid gatewayId, Caller caller, LocationStore locations, SensorGatewayStore store, CancellationToken cancellationToken) =>
        await IsVisibleAsync(id, caller, locations, cancellationToken) && await store.GetAsync(id, gatewayId, cancellationToken) is { } gateway
            ? TypedResults.Ok(gateway)
            : TypedResults.NotFound();

    internal static async Task<Results<Created<IssuedSensorGatewayResponse>, ValidationProblem, ProblemHttpResult, NotFound>> IssueGateway(
        Guid id, CreateSensorGatewayRequest request, Caller caller, LocationStore locations, SensorGatewayStore store, CancellationToken cancellationToken)
    {
        if (!await IsVisibleAsync(id, caller, locations, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        if (!caller.IsManager)
        {
            return Problems.Forbidden("Only managers issue sensor gateway passwords.");
        }

        var username = request.Username?.Trim();
        var errors = new ValidationErrors();
        if (string.IsNullOrEmpty(username))
        {
            errors.Add("username", "is required: the MQTT username the gateway connects with");
        }
        else if (!Username().IsMatch(username))
        {
            errors.Add("username", "must be 1 to 64 letters, digits, '.', '_' or '-'");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var issued = await store.IssueAsync(id, username!, cancellationToken);
        return issued is null
            ? Problems.Conflict("username", "another gateway of this location has it")
            : TypedResults.Created($"/api/v1/locations/{id}/sensor-gateways/{issued.Id}", issued);
    }

    internal static async Task<Results<Ok<IssuedSensorGatewayResponse>, ProblemHttpResult, NotFound>> RenewPassword(
        Guid id, Guid gatewayId, Caller caller, LocationStore locations, SensorGatewayStore store, CancellationToken cancellationToken)
    {
        if (!await IsVisibleAsync(id, caller, locations, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        if (!caller.IsManager)
        {
            return Problems.Forbidden("Only managers issue sensor gateway passwords.");
        }

        return await store.RenewPasswordAsync(id, gatewayId, cancellationToken) is { } renewed ? TypedResults.Ok(renewed) : TypedResults.NotFound();
    }

    internal static async Task<Results<NoContent, ProblemHttpResult, NotFound>> RemoveGateway(
        Guid id, Guid gatewayId, Caller caller, LocationStore locations, SensorGatewayStore store, CancellationToken cancellationToken)
    {
        if (!await IsVisibleAsync(id, caller, locations, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        if (!caller.IsManager)
        {
            return Problems.Forbidden("Only managers remove sensor gateways.");
        }

        return await store.RemoveAsync(id, gatewayId, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    private static async Task<bool> IsVisibleAsync(Guid locationId, Caller caller, LocationStore locations, CancellationToken cancellationToken) =>
        caller.Covers(locationId) && await locations.GetAsync(caller.OrganisationId, locationId, cancellationToken) is not null;

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Username();
}
