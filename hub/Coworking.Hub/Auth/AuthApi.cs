using Coworking.Hub.Http;
using Coworking.Hub.Locations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Auth;

public sealed record CreateApiKeyRequest(string? Name, Role? Role, IReadOnlyList<Guid>? LocationIds = null);

public sealed record CreateOperatorRequest(string? Email, string? Name, string? Password, Role? Role, IReadOnlyList<Guid>? LocationIds = null);

/// <summary>
/// An operator update: <see cref="Role"/> and <see cref="LocationIds"/> go together (an organisation admin has no
/// locations, the other roles at least one); either may be given alone when it fits the other's stored value.
/// </summary>
public sealed record UpdateOperatorRequest
{
    public Optional<string?> Name { get; init; }

    public Optional<Role?> Role { get; init; }

    public Optional<IReadOnlyList<Guid>?> LocationIds { get; init; }
}

/// <summary>API keys for integrations and operators of the console; only an organisation admin manages them.</summary>
public static class AuthApi
{
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder routes)
    {
        var keys = routes.MapGroup("/api-keys").WithTags("API keys");
        keys.MapGet("/", ListApiKeys);
        keys.MapPost("/", CreateApiKey);
        keys.MapGet("/{id:guid}", GetApiKey);
        keys.MapDelete("/{id:guid}", RevokeApiKey);

        var operators = routes.MapGroup("/operators").WithTags("Operators");
        operators.MapGet("/", ListOperators);
        operators.MapPost("/", CreateOperator);
        operators.MapGet("/{id:guid}", GetOperator);
        operators.MapPatch("/{id:guid}", UpdateOperator);
        operators.MapPost("/{id:guid}/disable", DisableOperator);
        operators.MapPost("/{id:guid}/enable", EnableOperator);
        return routes;
    }

    internal static async Task<Results<Ok<Page<ApiKeyResponse>>, ProblemHttpResult>> ListApiKeys(Caller caller, ApiKeyStore store, CancellationToken cancellationToken) =>
        caller.IsOrgAdmin
            ? TypedResults.Ok(new Page<ApiKeyResponse>(await store.ListAsync(caller.OrganisationId, cancellationToken), null))
            : Problems.Forbidden("only an organisation admin manages API keys");

    /// <summary>The answer holds the full key; it is not stored and cannot be shown again.</summary>
    internal static async Task<Results<Created<CreatedApiKey>, ValidationProblem, ProblemHttpResult>> CreateApiKey(
        CreateApiKeyRequest request, Caller caller, ApiKeyStore store, LocationStore locations, CancellationToken cancellationToken)
    {
        if (!caller.IsOrgAdmin)
        {
            return Problems.Forbidden("only an organisation admin manages API keys");
        }

        var errors = new ValidationErrors();
        errors.Required("name", request.Name);
        var scope = ValidateRole(request.Role, request.LocationIds, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (await locations.MissingAsync(caller.OrganisationId, scope, cancellationToken) is [var missing, ..])
        {
            return Problems.UnknownReference("locationIds", $"{missing} is not a location of this organisation");
        }

        var created = await store.CreateAsync(caller.OrganisationId, request.Name!.Trim(), request.Role!.Value, scope, cancellationToken);
        return TypedResults.Created($"/api/v1/api-keys/{created.Key.Id}", created);
    }

    internal static async Task<Results<Ok<ApiKeyResponse>, ProblemHttpResult, NotFound>> GetApiKey(
        Guid id, Caller caller, ApiKeyStore store, CancellationToken cancellationToken)
    {
        if (!caller.IsOrgAdmin)
        {
            return Problems.Forbidden("only an organisation admin manages API keys");
        }

        return await store.GetAsync(caller.OrganisationId, id, cancellationToken) is { } key ? TypedResults.Ok(key) : TypedResults.NotFound();
    }

    internal static async Task<Results<NoContent, ProblemHttpResult, NotFound>> RevokeApiKey(Guid id, Caller caller, ApiKeyStore store, CancellationToken cancellationToken)
    {
        if (!caller.IsOrgAdmin)
        {
            return Problems.Forbidden("only an organisation admin manages API keys");
        }

        return await store.RevokeAsync(caller.OrganisationId, id, cancellationToken) is null ? TypedResults.NotFound() : TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<Page<OperatorResponse>>, ProblemHttpResult>> ListOperators(Caller caller, OperatorStore store, CancellationToken cancellationToken) =>
        caller.IsOrgAdmin
            ? TypedResults.Ok(new Page<OperatorResponse>(await store.ListAsync(caller.OrganisationId, cancellationToken), null))
            : Problems.Forbidden("only an organisation admin manages operators");

    internal static async Task<Results<Created<OperatorResponse>, ValidationProblem, ProblemHttpResult>> CreateOperator(
        CreateOperatorRequest request, Caller caller, OperatorStore store, LocationStore locations, CancellationToken cancellationToken)
    {
        if (!caller.IsOrgAdmin)
        {
            return Problems.Forbidden("only an organisation admin manages operators");
        }

        var errors = new ValidationErrors();
        errors.Required("name", request.Name);
        if (errors.Required("email", request.Email, maxLength: 254) && !request.Email!.Contains('@', StringComparison.Ordinal))
        {
            errors.Add("email", "must be an e-mail address");
        }

        if (request.Password is not { Length: >= 12 and <= 200 })
        {
            errors.Add("password", "must be 12 to 200 characters");
        }

        var scope = ValidateRole(request.Role, request.LocationIds, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (await locations.MissingAsync(caller.OrganisationId, scope, cancellationToken) is [var missing, ..])
        {
            return Problems.UnknownReference("locationIds", $"{missing} is not a location of this organisation");
        }

        var created = await store.CreateAsync(
            caller.OrganisationId,
            new NewOperator(request.Email!.Trim(), request.Name!.Trim(), request.Password!, request.Role!.Value, scope),
            cancellationToken);
        return created is null
            ? Problems.Conflict("email", "is already used by another operator")
            : TypedResults.Created($"/api/v1/operators/{created.Id}", created);
    }

    internal static async Task<Results<Ok<OperatorResponse>, ProblemHttpResult, NotFound>> GetOperator(
        Guid id, Caller caller, OperatorStore store, CancellationToken cancellationToken)
    {
        if (!caller.IsOrgAdmin)
        {
            return Problems.Forbidden("only an organisation admin manages operators");
        }

        return await store.GetAsync(caller.OrganisationId, id, cancellationToken) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound();
    }

    /// <summary>
    /// Changes an operator's name, role or location scope (organisation admin). An operator cannot change its own role
    /// or scope, so an organisation is never left without the admin who made the change.
    /// </summary>
    internal static async Task<Results<Ok<OperatorResponse>, ValidationProblem, ProblemHttpResult, NotFound>> UpdateOperator(
        Guid id, UpdateOperatorRequest request, Caller caller, OperatorStore store, LocationStore locations, CancellationToken cancellationToken)
    {
        if (!caller.IsOrgAdmin)
        {
            return Problems.Forbidden("only an organisation admin manages operators");
        }

        if (await store.GetAsync(caller.OrganisationId, id, cancellationToken) is not { } current)
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        if (request.Name.IsPresent)
        {
            errors.Required("name", request.Name.Value);
        }

        if (request.Role.IsNull)
        {
            errors.Add("role", "must not be null; leave it out to keep it");
        }

        var changesScope = request.Role.IsPresent || request.LocationIds.IsPresent;
        Guid[]? scope = null;
        if (changesScope && !errors.Any)
        {
            var role = request.Role.Or(current.Role);
            // A role given alone moves to the whole organisation (admin) or keeps the stored locations.
            var given = request.LocationIds.IsPresent ? request.LocationIds.Value ?? [] : role == Role.OrgAdmin ? [] : current.LocationIds;
            scope = ValidateRole(role, given, errors);
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (changesScope && caller.Actor == new Actor(ActorKind.Operator, id))
        {
            return Problems.Conflict(request.Role.IsPresent ? "role" : "locationIds", "an operator cannot change its own role or locations");
        }

        if (scope is not null && await locations.MissingAsync(caller.OrganisationId, scope, cancellationToken) is [var missing, ..])
        {
            return Problems.UnknownReference("locationIds", $"{missing} is not a location of this organisation");
        }

        var patch = new OperatorPatch(request.Name.Value?.Trim(), changesScope ? request.Role.Or(current.Role) : null, scope);
        return await store.UpdateAsync(caller.OrganisationId, id, patch, cancellationToken) is { } updated ? TypedResults.Ok(updated) : TypedResults.NotFound();
    }

    /// <summary>A disabled operator cannot sign in, and every session it has ends at once.</summary>
    internal static Task<Results<Ok<OperatorResponse>, ProblemHttpResult, NotFound>> DisableOperator(
        Guid id, Caller caller, OperatorStore store, CancellationToken cancellationToken) => SetDisabledAsync(id, true, caller, store, cancellationToken);

    internal static Task<Results<Ok<OperatorResponse>, ProblemHttpResult, NotFound>> EnableOperator(
        Guid id, Caller caller, OperatorStore store, CancellationToken cancellationToken) => SetDisabledAsync(id, false, caller, store, cancellationToken);

    private static async Task<Results<Ok<OperatorResponse>, ProblemHttpResult, NotFound>> SetDisabledAsync(
        Guid id, bool disabled, Caller caller, OperatorStore store, CancellationToken cancellationToken)
    {
        if (!caller.IsOrgAdmin)
        {
            return Problems.Forbidden("only an organisation admin manages operators");
        }

        if (disabled && caller.Actor == new Actor(ActorKind.Operator, id))
        {
            return Problems.Conflict("id", "an operator cannot disable itself");
        }

        return await store.SetDisabledAsync(caller.OrganisationId, id, disabled, cancellationToken) is { } changed ? TypedResults.Ok(changed) : TypedResults.NotFound();
    }

    /// <summary>A location manager or the front desk needs at least one location; an organisation admin has them all.</summary>
    private static Guid[] ValidateRole(Role? role, IReadOnlyList<Guid>? locationIds, ValidationErrors errors)
    {
        var scope = locationIds?.Distinct().ToArray() ?? [];
        switch (role)
        {
            case null or Role.Member:
                errors.Add("role", "is required: org_admin, location_manager or front_desk");
                break;
            case Role.LocationManager or Role.FrontDesk when scope.Length == 0:
                errors.Add("locationIds", "must name at least one location for a location manager or the front desk");
                break;
            case Role.OrgAdmin when scope.Length > 0:
                errors.Add("locationIds", "must be empty for an organisation admin, who manages every location");
                break;
        }

        return scope;
    }
}
