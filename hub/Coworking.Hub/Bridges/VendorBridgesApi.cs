using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Coworking.Hub.Doors;
using Coworking.Hub.Http;
using Coworking.Hub.Locations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Bridges;

/// <summary>
/// Vendor bridges at the hub (docs/BRIDGES.md, docs/API.md "Vendor bridges"): which doors a vendor's cloud drives and
/// with which of its ids, and each location's vendor accounts, whose secrets are write-only. A location manager sets
/// these only for the locations it manages.
/// </summary>
public static class VendorBridgesApi
{
    private const int MaxIdLength = 100;
    private const int MaxSecretLength = 4096;

    public static IServiceCollection AddVendorBridges(this IServiceCollection services) => services.AddSingleton<VendorBridgeStore>();

    public static RouteGroupBuilder MapVendorBridgesApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/locations/{id:guid}").WithTags("Vendor bridges");
        api.MapGet("/doors/{doorId:guid}/controller", GetController);
        api.MapPut("/doors/{doorId:guid}/controller", SetController);
        api.MapGet("/vendor-accounts", ListAccounts);
        api.MapPut("/vendor-accounts/{vendor}", SetAccount);
        api.MapDelete("/vendor-accounts/{vendor}", RemoveAccount);
        return api;
    }

    internal static async Task<Results<Ok<DoorControllerResponse>, NotFound>> GetController(
        Guid id, Guid doorId, Caller caller, LocationStore locations, VendorBridgeStore store, CancellationToken cancellationToken) =>
        await IsVisible(id, caller, locations, cancellationToken) && await store.GetControllerAsync(id, doorId, cancellationToken) is { } controller
            ? TypedResults.Ok(controller)
            : TypedResults.NotFound();

    internal static async Task<Results<Ok<DoorControllerResponse>, ValidationProblem, NotFound>> SetController(
        Guid id, Guid doorId, DoorControllerRequest request, Caller caller, LocationStore locations, VendorBridgeStore store, CancellationToken cancellationToken)
    {
        if (!await IsVisible(id, caller, locations, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        var (site, lockId) = request.Controller switch
        {
            null => Invalid(errors, "controller", "is required: edge, kisi, salto_ks or brivo"),
            DoorControllerKind.Kisi => (null, KisiLockId(request.KisiLockId, errors)),
            DoorControllerKind.SaltoKs => (VendorId("saltoSiteId", request.SaltoSiteId, errors), VendorId("saltoLockId", request.SaltoLockId, errors)),
            DoorControllerKind.Brivo => (VendorId("brivoSiteId", request.BrivoSiteId, errors), VendorId("brivoAccessPointId", request.BrivoAccessPointId, errors)),
            _ => (null, null),
        };
        foreach (var (field, value, owner) in new[]
                 {
                     ("kisiLockId", request.KisiLockId, DoorControllerKind.Kisi), ("saltoSiteId", request.SaltoSiteId, DoorControllerKind.SaltoKs),
                     ("saltoLockId", request.SaltoLockId, DoorControllerKind.SaltoKs), ("brivoSiteId", request.BrivoSiteId, DoorControllerKind.Brivo),
                     ("brivoAccessPointId", request.BrivoAccessPointId, DoorControllerKind.Brivo),
                 })
        {
            if (value is not null && request.Controller is { } controller && controller != owner)
            {
                errors.Add(field, $"is only for a {owner.ToDb()} door");
            }
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return await store.SetControllerAsync(id, doorId, request.Controller!.Value, site, lockId, cancellationToken) is { } response
            ? TypedResults.Ok(response)
            : TypedResults.NotFound();
    }

    internal static async Task<Results<Ok<Page<VendorAccountResponse>>, NotFound>> ListAccounts(
        Guid id, Caller caller, LocationStore locations, VendorBridgeStore store, CancellationToken cancellationToken) =>
        await IsVisible(id, caller, locations, cancellationToken)
            ? TypedResults.Ok(new Page<VendorAccountResponse>(await store.ListAccountsAsync(id, cancellationToken), null))
            : TypedResults.NotFound();

    /// <summary>Sets the account whole: every secret its vendor needs, none other; they are never answered back.</summary>
    internal static async Task<Results<Ok<VendorAccountResponse>, ValidationProblem, NotFound>> SetAccount(
        Guid id, string vendor, VendorAccountRequest request, Caller caller, LocationStore locations, VendorBridgeStore store, CancellationToken cancellationToken)
    {
        if (!await IsVisible(id, caller, locations, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        if (!DbText.TryParse<VendorKind>(vendor, out var kind))
        {
            errors.Add("vendor", "must be kisi, salto_ks or brivo");
            return errors.ToProblem();
        }

        var required = DoorControllers.RequiredSecrets(kind);
        var secrets = request.Secrets ?? new Dictionary<string, string>();
        foreach (var name in required.Where(n => !secrets.TryGetValue(n, out var value) || string.IsNullOrWhiteSpace(value)))
        {
            errors.Add($"secrets.{name}", $"is required for a {vendor} account");
        }

        foreach (var (name, value) in secrets)
        {
            if (!required.Contains(name))
            {
                errors.Add($"secrets.{name}", $"is not a secret of a {vendor} account; it takes {string.Join(", ", required)}");
            }
            else if (value is { Length: > MaxSecretLength } || value.Any(char.IsControl))
            {
                errors.Add($"secrets.{name}", $"must be at most {MaxSecretLength} characters without control characters");
            }
        }

        if (request.ApiBase is { } apiBase && (!apiBase.IsAbsoluteUri || apiBase.Scheme is not ("https" or "http") || apiBase.OriginalString.Length > 200))
        {
            errors.Add("apiBase", "must be an absolute http(s) URL of at most 200 characters");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return TypedResults.Ok(await store.SetAccountAsync(id, kind, secrets, request.ApiBase, DoorControlApi.Actor(caller), cancellationToken));
    }

    internal static async Task<Results<NoContent, NotFound>> RemoveAccount(
        Guid id, string vendor, Caller caller, LocationStore locations, VendorBridgeStore store, CancellationToken cancellationToken) =>
        await IsVisible(id, caller, locations, cancellationToken) && DbText.TryParse<VendorKind>(vendor, out var kind)
        && await store.RemoveAccountAsync(id, kind, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.NotFound();

    private static (string? Site, string? Lock) Invalid(ValidationErrors errors, string field, string message)
    {
        errors.Add(field, message);
        return (null, null);
    }

    /// <summary>Kisi's ids are positive integers.</summary>
    private static string? KisiLockId(string? value, ValidationErrors errors)
    {
        if (value is null || value.Length is 0 or > 18 || !value.All(char.IsAsciiDigit) || value.All(c => c == '0'))
        {
            errors.Add("kisiLockId", "is required for a kisi door: the lock's id in Kisi (a positive integer)");
            return null;
        }

        return value;
    }

    private static string? VendorId(string field, string? value, ValidationErrors errors)
    {
        if (value is null || value.Length is 0 or > MaxIdLength || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            errors.Add(field, $"is required: the vendor's id, 1-{MaxIdLength} characters without spaces");
            return null;
        }

        return value;
    }

    private static async Task<bool> IsVisible(Guid id, Caller caller, LocationStore store, CancellationToken cancellationToken) =>
        caller.Covers(id) && await store.GetAsync(caller.OrganisationId, id, cancellationToken) is not null;
}
