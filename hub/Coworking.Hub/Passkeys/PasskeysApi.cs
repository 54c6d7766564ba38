using System.Text.Json;
using Coworking.Hub.Auth;
using Coworking.Hub.Http;
using Coworking.Hub.Members;
using Fido2NetLib;
using Fido2NetLib.Objects;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Passkeys;

/// <summary>The options a browser passes to navigator.credentials (as WebAuthn's JSON), and the ceremony its answer names.</summary>
public sealed record PasskeyCeremony(Guid CeremonyId, JsonElement PublicKey);

/// <param name="Credential">The browser's PublicKeyCredential as JSON (its toJSON(): base64url fields).</param>
public sealed record PasskeyAnswer(Guid? CeremonyId, JsonElement? Credential, string? Name = null);

/// <summary>
/// Members' passkeys (WebAuthn, with the Fido2 library): a signed-in member registers one (options, then the
/// authenticator's attestation) and lists or removes theirs; anyone may sign in with one (options, then the assertion),
/// which starts a member session like the e-mailed link does. wwwroot/js/passkeys.js runs the browser's half.
/// The relying party is the hub's public address (Hub:PublicUrl, else the request's): its host is the RP ID, its
/// origin the only one accepted.
/// </summary>
public static class PasskeysApi
{
    private const int MaxNameLength = 100;

    public static IEndpointRouteBuilder MapPasskeysApi(this IEndpointRouteBuilder routes)
    {
        var passkeys = routes.MapGroup("/auth/passkeys").WithTags("Passkeys");
        passkeys.MapGet("/", List).RequireAuthorization(HubAuthentication.MemberPolicy);
        passkeys.MapGet("/{id:guid}", Get).RequireAuthorization(HubAuthentication.MemberPolicy);
        passkeys.MapDelete("/{id:guid}", Remove).RequireAuthorization(HubAuthentication.MemberPolicy);
        passkeys.MapPost("/registration/options", RegistrationOptions).RequireAuthorization(HubAuthentication.MemberPolicy);
        passkeys.MapPost("/registration", Register).RequireAuthorization(HubAuthentication.MemberPolicy);
        passkeys.MapPost("/assertion/options", AssertionOptionsFor).AllowAnonymous().RequireRateLimiting(SessionsApi.LoginLimit);
        passkeys.MapPost("/assertion", SignInWithPasskey).AllowAnonymous().RequireRateLimiting(SessionsApi.LoginLimit);
        return routes;
    }

    internal static async Task<Ok<Page<PasskeyResponse>>> List(Caller caller, PasskeyStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new Page<PasskeyResponse>(await store.ListAsync(caller.OrganisationId, caller.MemberId!.Value, cancellationToken), null));

    internal static async Task<Results<Ok<PasskeyResponse>, NotFound>> Get(Guid id, Caller caller, PasskeyStore store, CancellationToken cancellationToken) =>
        (await store.ListAsync(caller.OrganisationId, caller.MemberId!.Value, cancellationToken)).SingleOrDefault(p => p.Id == id) is { } passkey
            ? TypedResults.Ok(passkey)
            : TypedResults.NotFound();

    internal static async Task<Results<NoContent, NotFound>> Remove(Guid id, Caller caller, PasskeyStore store, CancellationToken cancellationToken) =>
        await store.RemoveAsync(caller.OrganisationId, caller.MemberId!.Value, id, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    internal static async Task<Results<Ok<PasskeyCeremony>, NotFound>> RegistrationOptions(
        Caller caller, HttpContext context, MemberStore members, PasskeyStore store, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var memberId = caller.MemberId!.Value;
        if (await members.GetAsync(caller.OrganisationId, memberId, cancellationToken) is not { } member)
        {
            return TypedResults.NotFound();
        }

        var existing = await store.CredentialIdsAsync(caller.OrganisationId, memberId, cancellationToken);
        var options = RelyingParty(configuration, context.Request).RequestNewCredential(new RequestNewCredentialParams
        {
            User = new Fido2User { Id = memberId.ToByteArray(), Name = member.Email, DisplayName = member.Name },
            ExcludeCredentials = [.. existing.Select(id => new PublicKeyCredentialDescriptor(id))],
            // Discoverable, so signing in needs no e-mail address; verified (PIN, fingerprint), so the passkey alone is enough.
            AuthenticatorSelection = new AuthenticatorSelection
            {
                ResidentKey = ResidentKeyRequirement.Required,
                UserVerification = UserVerificationRequirement.Required,
            },
            AttestationPreference = AttestationConveyancePreference.None,
        });
        var json = options.ToJson();
        var ceremony = await store.BeginAsync(CeremonyKind.Registration, caller.OrganisationId, memberId, json, cancellationToken);
        return TypedResults.Ok(new PasskeyCeremony(ceremony, JsonDocument.Parse(json).RootElement.Clone()));
    }

    internal static async Task<Results<Created<PasskeyResponse>, ValidationProblem, ProblemHttpResult>> Register(
        PasskeyAnswer answer, Caller caller, HttpContext context, PasskeyStore store, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var memberId = caller.MemberId!.Value;
        var errors = new ValidationErrors();
        var credential = Read<AuthenticatorAttestationRawResponse>(answer, errors);
        var name = string.IsNullOrWhiteSpace(answer.Name) ? "Passkey" : answer.Name.Trim();
        if (name.Length > MaxNameLength)
        {
            errors.Add("name", $"must be at most {MaxNameLength} characters");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (await store.FinishAsync(answer.CeremonyId!.Value, CeremonyKind.Registration, memberId, cancellationToken) is not { } options)
        {
            return CeremonyNotValid();
        }

        RegisteredPublicKeyCredential made;
        try
        {
            made = await RelyingParty(configuration, context.Request).MakeNewCredentialAsync(
                new MakeNewCredentialParams
                {
                    AttestationResponse = credential!,
                    OriginalOptions = CredentialCreateOptions.FromJson(options),
                    IsCredentialIdUniqueToUserCallback = (args, ct) => store.IsNewCredentialAsync(args.CredentialId, ct),
                },
                cancellationToken);
        }
        catch (Fido2VerificationException)
        {
            return NotVerified();
        }

        var added = await store.AddAsync(
            caller.OrganisationId,
            memberId,
            new NewPasskey(made.Id, made.PublicKey, made.SignCount, [.. (made.Transports ?? []).Select(t => t.ToString())], made.AaGuid, made.IsBackedUp, name),
            cancellationToken);
        return TypedResults.Created($"/auth/passkeys/{added.Id}", added);
    }

    internal static async Task<Ok<PasskeyCeremony>> AssertionOptionsFor(
        HttpContext context, PasskeyStore store, IConfiguration configuration, CancellationToken cancellationToken)
    {
        // No credentials listed: the authenticator offers the member's discoverable passkeys for this site.
        var options = RelyingParty(configuration, context.Request).GetAssertionOptions(new GetAssertionOptionsParams
        {
            AllowedCredentials = [],
            UserVerification = UserVerificationRequirement.Required,
        });
        var json = options.ToJson();
        var ceremony = await store.BeginAsync(CeremonyKind.Assertion, null, null, json, cancellationToken);
        return TypedResults.Ok(new PasskeyCeremony(ceremony, JsonDocument.Parse(json).RootElement.Clone()));
    }

    internal static async Task<Results<Ok<SignedInResponse>, ValidationProblem, ProblemHttpResult>> SignInWithPasskey(
        PasskeyAnswer answer, HttpContext context, PasskeyStore store, SignIn signIn, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var credential = Read<AuthenticatorAssertionRawResponse>(answer, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (await store.FinishAsync(answer.CeremonyId!.Value, CeremonyKind.Assertion, null, cancellationToken) is not { } options)
        {
            return CeremonyNotValid();
        }

        // One answer for a passkey the hub does not know and one that fails its checks: neither says which.
        if (await store.FindAsync(credential!.RawId, cancellationToken) is not { } stored)
        {
            return NotVerified();
        }

        VerifyAssertionResult verified;
        try
        {
            verified = await RelyingParty(configuration, context.Request).MakeAssertionAsync(
                new MakeAssertionParams
                {
                    AssertionResponse = credential,
                    OriginalOptions = AssertionOptions.FromJson(options),
                    StoredPublicKey = stored.PublicKey,
                    StoredSignatureCounter = (uint)stored.SignCount,
                    IsUserHandleOwnerOfCredentialIdCallback = (args, _) =>
                        Task.FromResult(args.UserHandle.AsSpan().SequenceEqual(stored.MemberId.ToByteArray()) && args.CredentialId.AsSpan().SequenceEqual(stored.CredentialId)),
                },
                cancellationToken);
        }
        catch (Fido2VerificationException)
        {
            return NotVerified();
        }

        if (!await store.UsedAsync(stored, verified.SignCount, verified.IsBackedUp, cancellationToken))
        {
            return NotVerified();
        }

        return TypedResults.Ok(await signIn.MemberAsync(context, stored.OrganisationId, stored.MemberId, cancellationToken));
    }

    /// <summary>The hub as the WebAuthn relying party: its public host is the RP ID, its public origin the one accepted.</summary>
    private static Fido2 RelyingParty(IConfiguration configuration, HttpRequest request)
    {
        var publicUrl = new Uri(PublicUrl.Of(configuration, request));
        return new Fido2(new Fido2Configuration
        {
            RPID = publicUrl.Host,
            RPName = "Coworking member portal",
            Origins = new HashSet<string>(StringComparer.Ordinal) { publicUrl.GetLeftPart(UriPartial.Authority) },
            TimestampDriftTolerance = 300_000,
        }, null);
    }

    private static T? Read<T>(PasskeyAnswer answer, ValidationErrors errors)
        where T : class
    {
        if (answer.CeremonyId is null)
        {
            errors.Add("ceremonyId", "is required");
        }

        if (answer.Credential is not { ValueKind: JsonValueKind.Object } credential)
        {
            errors.Add("credential", "is required: the PublicKeyCredential the browser answered, as JSON");
            return null;
        }

        try
        {
            return credential.Deserialize<T>() ?? throw new JsonException("empty");
        }
        catch (JsonException)
        {
            errors.Add("credential", "is not a PublicKeyCredential as WebAuthn's JSON");
            return null;
        }
    }

    private static ProblemHttpResult CeremonyNotValid() =>
        Problems.Unprocessable("ceremonyId", "names no ceremony in progress (it was used, has expired, or is another member's): start again");

    private static ProblemHttpResult NotVerified() =>
        Problems.Unprocessable("credential", "could not be verified with a passkey registered here");
}

/// <summary>Registers the passkey store; the routes are mapped by <see cref="PasskeysApi.MapPasskeysApi"/>.</summary>
public static class PasskeysSetup
{
    public static IServiceCollection AddPasskeys(this IServiceCollection services) => services.AddSingleton<PasskeyStore>();
}
