using System.Text.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Auth;
using Coworking.Hub.Http;
using Coworking.Hub.Locations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Tiers;

public sealed record CreateTierRequest(string? Name, TierTermsInput? Terms);

/// <summary>
/// A tier update: <see cref="Terms"/> is a partial terms object laid over the tier's terms (a key given replaces the
/// term, a null limit makes it unlimited, a key left out stays).
/// </summary>
public sealed record UpdateTierRequest
{
    public Optional<string?> Name { get; init; }

    public Optional<JsonObject?> Terms { get; init; }
}

/// <summary>
/// Membership tiers of the organisation. Everyone reads them; only an organisation admin creates them and
/// sets a location's override (a partial terms object: the keys it names replace the tier's there).
/// </summary>
public static class TiersApi
{
    public static IEndpointRouteBuilder MapTiersApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/tiers").WithTags("Tiers");
        api.MapGet("/", ListTiers);
        api.MapPost("/", CreateTier);
        api.MapGet("/{id:guid}", GetTier);
        api.MapPatch("/{id:guid}", UpdateTier);
        api.MapPut("/{id:guid}/locations/{locationId:guid}", SetOverride);
        api.MapDelete("/{id:guid}/locations/{locationId:guid}", RemoveOverride);
        return routes;
    }

    internal static async Task<Results<Ok<Page<TierResponse>>, NotFound>> ListTiers(
        Guid? locationId, Caller caller, TierStore store, LocationStore locations, CancellationToken cancellationToken) =>
        locationId is { } at && !await IsVisible(at, caller, locations, cancellationToken)
            ? TypedResults.NotFound()
            : TypedResults.Ok(new Page<TierResponse>(await store.ListAsync(caller.OrganisationId, locationId, cancellationToken), null));

    internal static async Task<Results<Created<TierResponse>, ValidationProblem, ProblemHttpResult>> CreateTier(
        CreateTierRequest request, Caller caller, TierStore store, CancellationToken cancellationToken)
    {
        if (!caller.IsOrgAdmin)
        {
            return Problems.Forbidden("only an organisation admin manages tiers");
        }

        var errors = new ValidationErrors();
        errors.Required("name", request.Name);
        var terms = request.Terms is null ? null : request.Terms.Validate(errors);
        if (request.Terms is null)
        {
            errors.Add("terms", "is required");
        }

        if (errors.Any || terms is null)
        {
            return errors.ToProblem();
        }

        var (outcome, tier) = await store.CreateAsync(caller.OrganisationId, request.Name!.Trim(), terms, cancellationToken);
        return outcome == TierWrite.NameTaken
            ? Problems.Conflict("name", "is already the name of a tier of this organisation")
            : TypedResults.Created($"/api/v1/tiers/{tier!.Id}", tier);
    }

    internal static async Task<Results<Ok<TierResponse>, NotFound>> GetTier(
        Guid id, Guid? locationId, Caller caller, TierStore store, LocationStore locations, CancellationToken cancellationToken) =>
        (locationId is not { } at || await IsVisible(at, caller, locations, cancellationToken))
            && await store.GetAsync(caller.OrganisationId, id, locationId, cancellationToken) is { } tier
            ? TypedResults.Ok(tier)
            : TypedResults.NotFound();

    /// <summary>Renames a tier or changes its terms (organisation admin); answers the tier with its own terms.</summary>
    internal static async Task<Results<Ok<TierResponse>, ValidationProblem, ProblemHttpResult, NotFound>> UpdateTier(
        Guid id, UpdateTierRequest request, Caller caller, TierStore store, CancellationToken cancellationToken)
    {
        if (!caller.IsOrgAdmin)
        {
            return Problems.Forbidden("only an organisation admin manages tiers");
        }

        if (await store.GetBaseAsync(caller.OrganisationId, id, cancellationToken) is not { } current)
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        if (request.Name.IsPresent)
        {
            errors.Required("name", request.Name.Value);
        }

        TierTerms? terms = null;
        if (request.Terms.IsNull)
        {
            errors.Add("terms", "must not be null; leave it out to keep the terms");
        }
        else if (request.Terms.Value is { } changes)
        {
            foreach (var key in changes.Select(p => p.Key).Where(k => !TierTermsInput.Keys.Contains(k)))
            {
                errors.Add($"terms.{key}", "is not a term of a tier");
            }

            if (!errors.Any)
            {
                try
                {
                    terms = current.With(changes).Validate(errors);
                }
                catch (JsonException e)
                {
                    errors.Add(e.Path is { Length: > 2 } path ? $"terms.{path[2..]}" : "terms", "is not valid JSON for this term");
                }
            }
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var (outcome, tier) = await store.UpdateAsync(caller.OrganisationId, id, request.Name.Value?.Trim(), terms, cancellationToken);
        return outcome switch
        {
            TierWrite.Done => TypedResults.Ok(tier!),
            TierWrite.NameTaken => Problems.Conflict("name", "is already the name of a tier of this organisation"),
            _ => TypedResults.NotFound(),
        };
    }

    /// <summary>
    /// Replaces the override at a location. Each key must be a terms key; the tier's terms with the override laid
    /// over them must be valid terms. Answers the terms now in force there.
    /// </summary>
    internal static async Task<Results<Ok<TierResponse>, ValidationProblem, ProblemHttpResult, NotFound>> SetOverride(
        Guid id, Guid locationId, JsonObject request, Caller caller, TierStore store, LocationStore locations, CancellationToken cancellationToken)
    {
        if (!caller.IsOrgAdmin)
        {
            return Problems.Forbidden("only an organisation admin manages tiers");
        }

        if (!await IsVisible(locationId, caller, locations, cancellationToken)
            || await store.GetForOverrideAsync(caller.OrganisationId, id, locationId, cancellationToken) is not { } found)
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        foreach (var key in request.Select(p => p.Key).Where(k => !TierTermsInput.Keys.Contains(k)))
        {
            errors.Add(key, "is not a term of a tier");
        }

        if (!errors.Any)
        {
            try
            {
                found.Base.With(request).Validate(errors, prefix: string.Empty);
            }
            catch (JsonException e)
            {
                errors.Add(e.Path is { Length: > 2 } path ? path[2..] : "body", "is not valid JSON for this term");
            }
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        await store.SetOverrideAsync(id, locationId, request, cancellationToken);
        return TypedResults.Ok((await store.GetAsync(caller.OrganisationId, id, locationId, cancellationToken))!);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult, NotFound>> RemoveOverride(
        Guid id, Guid locationId, Caller caller, TierStore store, LocationStore locations, CancellationToken cancellationToken)
    {
        if (!caller.IsOrgAdmin)
        {
            return Problems.Forbidden("only an organisation admin manages tiers");
        }

        return await IsVisible(locationId, caller, locations, cancellationToken)
            && await store.GetAsync(caller.OrganisationId, id, null, cancellationToken) is not null
            && await store.RemoveOverrideAsync(id, locationId, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.NotFound();
    }

    private static async Task<bool> IsVisible(Guid locationId, Caller caller, LocationStore locations, CancellationToken cancellationToken) =>
        caller.Covers(locationId) && await locations.GetAsync(caller.OrganisationId, locationId, cancellationToken) is not null;
}
