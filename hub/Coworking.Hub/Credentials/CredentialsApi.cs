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

/// <summary>
/// The organisation's PIN length: the digits of every booking and visitor PIN the hub makes, and the fewest a member's
/// own PIN may have (6 to 8; 6 unless set).
/// </summary>
public sealed record PinPolicy(int? Length);

/// <summary>Cards and PINs of members. A PIN is never shown again, a card only by its last two digits.</summary>
public static class CredentialsApi
{
    /// <summary>The fewest digits any member PIN has, whatever the organisation sets: 10^6 guesses against the wrong-PIN limits.</summary>
    public const int MinimumPinLength = 6;

    public const int MaximumPinLength = 8;

    /// <summary>The longest PIN a member may choose (keypads send up to 16 digits).</summary>
    public const int MaximumMemberPinLength = 12;

    public static IEndpointRouteBuilder MapCredentialsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/").WithTags("Credentials");
        api.MapGet("/members/{id:guid}/credentials", ListCredentials);
        api.MapPost("/members/{id:guid}/credentials", CreateCredential).WithIdempotency();
        api.MapGet("/credentials/{id:guid}", GetCredential);
        api.MapDelete("/credentials/{id:guid}", RevokeCredential);
        api.MapGet("/organisation/pin-policy", GetPinPolicy);
        api.MapPut("/organisation/pin-policy", SetPinPolicy);
        return routes;
    }

    internal static async Task<Ok<PinPolicy>> GetPinPolicy(Caller caller, CredentialStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new PinPolicy(await store.PinLengthAsync(caller.OrganisationId, cancellationToken)));

    internal static async Task<Results<Ok<PinPolicy>, ValidationProblem, ProblemHttpResult>> SetPinPolicy(
        PinPolicy request, Caller caller, CredentialStore store, CancellationToken cancellationToken)
    {
        if (!caller.IsOrgAdmin)
        {
            return Problems.Forbidden("only an organisation admin sets the PIN policy");
        }

        if (request.Length is not (>= MinimumPinLength and <= MaximumPinLength))
        {
            var errors = new ValidationErrors();
            errors.Add("length", $"is required: {MinimumPinLength} to {MaximumPinLength} digits");
            return errors.ToProblem();
        }

        await store.SetPinLengthAsync(caller.OrganisationId, request.Length.Value, cancellationToken);
        return TypedResults.Ok(new PinPolicy(request.Length));
    }

    internal static async Task<Results<Ok<Page<CredentialResponse>>, NotFound>> ListCredentials(
        Guid id, Caller caller, MemberStore members, CredentialStore store, CancellationToken cancellationToken) =>
        await members.GetAsync(caller.OrganisationId, id, cancellationToken) is { } member && caller.Covers(member.HomeLocationId)
            ? TypedResults.Ok(new Page<CredentialResponse>(await store.ListAsync(id, cancellationToken), null))
            : TypedResults.NotFound();

    internal static async Task<Results<Ok<CredentialResponse>, NotFound>> GetCredential(Guid id, Caller caller, CredentialStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(caller, id, cancellationToken) is { } credential ? TypedResults.Ok(credential) : TypedResults.NotFound();

    internal static async Task<Results<Created<CredentialResponse>, ValidationProblem, ProblemHttpResult, NotFound>> CreateCredential(
        Guid id, CreateCredentialRequest request, Caller caller, CredentialStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var credential = Validate(request, errors, minimumPinLength: await store.PinLengthAsync(caller.OrganisationId, cancellationToken));
        if (credential is null)
        {
            return errors.ToProblem();
        }

        var (outcome, created) = await store.CreateAsync(caller, id, credential, cancellationToken);
        return outcome switch
        {
            CredentialWrite.Done => TypedResults.Created($"/api/v1/credentials/{created!.Id}", created),
            CredentialWrite.CardTaken => Problems.Conflict("cardNumber", "is already issued to a credential of this organisation"),
            CredentialWrite.PinTaken => Problems.Conflict("pin", "is already in use in this organisation; choose another"),
            _ => TypedResults.NotFound(),
        };
    }

    internal static async Task<Results<NoContent, NotFound>> RevokeCredential(Guid id, Caller caller, CredentialStore store, CancellationToken cancellationToken) =>
        await store.RevokeAsync(caller, id, cancellationToken) == CredentialWrite.Done
            ? TypedResults.NoContent()
            : TypedResults.NotFound();

    /// <summary>
    /// Checks a requested credential, naming fields after <paramref name="prefix"/> (e.g. "credentials[0]."); a PIN must
    /// have at least the organisation's <paramref name="minimumPinLength"/> digits.
    /// </summary>
    internal static NewCredential? Validate(CreateCredentialRequest request, ValidationErrors errors, string prefix = "", int minimumPinLength = MinimumPinLength)
    {
        minimumPinLength = Math.Max(MinimumPinLength, minimumPinLength);
        switch (request.Kind)
        {
            case null:
                errors.Add($"{prefix}kind", "is required: card or pin");
                return null;
            case MemberCredentialKind.Pin:
                if (request.Pin is not { } pin || pin.Length < minimumPinLength || pin.Length > MaximumMemberPinLength || !pin.All(char.IsAsciiDigit))
                {
                    errors.Add($"{prefix}pin", $"must be {minimumPinLength} to {MaximumMemberPinLength} digits");
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
