using System.Text.Json.Serialization;
using Coworking.Hub.Auth;
using Coworking.Hub.Http;
using Coworking.Hub.Members;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Credentials;

/// <summary>
/// {"kind":"card","facilityCode":123,"cardNumber":45678} (H10301), {"kind":"card","cardNumber":"18446744073709551615"}
/// (raw, a number or a string) or {"kind":"pin","pin":"4821"}.
/// </summary>
public sealed record CreateCredentialRequest(
    MemberCredentialKind? Kind,
    int? FacilityCode = null,
    [property: JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)] ulong? CardNumber = null,
    string? Pin = null);

/// <summary>Cards and PINs of members. A PIN is never shown again, a card only by its last two digits.</summary>
public static class CredentialsApi
{
    public static IEndpointRouteBuilder MapCredentialsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/").WithTags("Credentials");
        api.MapGet("/members/{id:guid}/credentials", ListCredentials);
        api.MapPost("/members/{id:guid}/credentials", CreateCredential);
        api.MapDelete("/credentials/{id:guid}", RevokeCredential);
        return routes;
    }

    internal static async Task<Results<Ok<Page<CredentialResponse>>, NotFound>> ListCredentials(
        Guid id, Caller caller, MemberStore members, CredentialStore store, CancellationToken cancellationToken) =>
        await members.GetAsync(caller.OrganisationId, id, cancellationToken) is { } member && caller.Covers(member.HomeLocationId)
            ? TypedResults.Ok(new Page<CredentialResponse>(await store.ListAsync(id, cancellationToken), null))
            : TypedResults.NotFound();

    internal static async Task<Results<Created<CredentialResponse>, ValidationProblem, ProblemHttpResult, NotFound>> CreateCredential(
        Guid id, CreateCredentialRequest request, Caller caller, CredentialStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var credential = Validate(request, errors);
        if (credential is null)
        {
            return errors.ToProblem();
        }

        var (outcome, created) = await store.CreateAsync(caller, id, credential, cancellationToken);
        return outcome switch
        {
            CredentialWrite.Done => TypedResults.Created($"/api/v1/members/{id}/credentials/{created!.Id}", created),
            CredentialWrite.CardTaken => Problems.Conflict("cardNumber", "is already issued to a credential of this organisation"),
            CredentialWrite.PinTaken => Problems.Conflict("pin", "is already in use in this organisation; choose another"),
            _ => TypedResults.NotFound(),
        };
    }

    internal static async Task<Results<NoContent, NotFound>> RevokeCredential(Guid id, Caller caller, CredentialStore store, CancellationToken cancellationToken) =>
        await store.RevokeAsync(caller, id, cancellationToken) == CredentialWrite.Done
            ? TypedResults.NoContent()
            : TypedResults.NotFound();

    /// <summary>Checks a requested credential, naming fields after <paramref name="prefix"/> (e.g. "credentials[0].").</summary>
    internal static NewCredential? Validate(CreateCredentialRequest request, ValidationErrors errors, string prefix = "")
    {
        switch (request.Kind)
        {
            case null:
                errors.Add($"{prefix}kind", "is required: card or pin");
                return null;
            case MemberCredentialKind.Pin:
                if (request.Pin is not { Length: >= 4 and <= 8 } pin || !pin.All(char.IsAsciiDigit))
                {
                    errors.Add($"{prefix}pin", "must be 4 to 8 digits");
                }

                if (request.FacilityCode is not null || request.CardNumber is not null)
                {
                    errors.Add(prefix + (request.FacilityCode is not null ? "facilityCode" : "cardNumber"), "is only for cards");
                }

                return errors.Any ? null : new NewCredential(MemberCredentialKind.Pin, null, 0, 0, request.Pin);
            default:
                if (request.Pin is not null)
                {
                    errors.Add($"{prefix}pin", "is only for PIN credentials");
                }

                if (request.CardNumber is not { } number)
                {
                    errors.Add($"{prefix}cardNumber", "is required for a card");
                    return null;
                }

                if (request.FacilityCode is { } facility)
                {
                    if (facility is < 0 or > 255)
                    {
                        errors.Add($"{prefix}facilityCode", "must be between 0 and 255 (H10301)");
                    }

                    if (number > ushort.MaxValue)
                    {
                        errors.Add($"{prefix}cardNumber", "must be between 0 and 65535 with a facility code (H10301)");
                    }

                    return errors.Any ? null : new NewCredential(MemberCredentialKind.Card, CardFormat.H10301, facility, number, null);
                }

                return errors.Any ? null : new NewCredential(MemberCredentialKind.Card, CardFormat.Raw, 0, number, null);
        }
    }
}
