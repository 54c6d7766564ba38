using System.Net.Mail;
using Coworking.Hub.Auth;
using Coworking.Hub.Credentials;
using Coworking.Hub.Database;
using Coworking.Hub.Http;
using Coworking.Hub.Locations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Members;

/// <summary>A new member; <see cref="Credentials"/> issues its first cards and PINs in the same transaction.</summary>
public sealed record CreateMemberRequest(
    string? Name, string? Email, string? Company = null, Guid? HomeLocationId = null, MemberStatus? Status = null, IReadOnlyList<CreateCredentialRequest?>? Credentials = null);

/// <summary>A member update: a field left out stays; <c>company</c> and <c>homeLocationId</c> may be cleared with null.</summary>
public sealed record UpdateMemberRequest
{
    public Optional<string?> Name { get; init; }

    public Optional<string?> Email { get; init; }

    public Optional<string?> Company { get; init; }

    public Optional<Guid?> HomeLocationId { get; init; }

    public Optional<MemberStatus?> Status { get; init; }
}

/// <summary>
/// Members of the organisation. A location manager sees and changes only members whose home location it
/// manages; anyone else is not found.
/// </summary>
public static class MembersApi
{
    private const int MaxCredentials = 10;

    public static RouteGroupBuilder MapMembersApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/members").WithTags("Members");
        api.MapGet("/", ListMembers);
        api.MapPost("/", CreateMember);
        api.MapGet("/{id:guid}", GetMember);
        api.MapPatch("/{id:guid}", UpdateMember);
        api.MapPost("/{id:guid}/suspend", SuspendMember);
        api.MapPost("/{id:guid}/reinstate", ReinstateMember);
        return api;
    }

    internal static async Task<Results<Ok<Page<MemberResponse>>, ValidationProblem>> ListMembers(
        Caller caller, MemberStore store, string? status, Guid? locationId, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var (take, after) = PageCursor.Read(limit, cursor, errors);
        MemberStatus? wanted = null;
        if (status is not null)
        {
            if (DbText.TryParse<MemberStatus>(status, out var parsed))
            {
                wanted = parsed;
            }
            else
            {
                errors.Add("status", "must be active, paused, suspended or cancelled");
            }
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return TypedResults.Ok(await store.ListAsync(caller.OrganisationId, caller.Scope, wanted, locationId, take, after, cancellationToken));
    }

    internal static async Task<Results<Created<MemberResponse>, ValidationProblem, ProblemHttpResult>> CreateMember(
        CreateMemberRequest request, Caller caller, MemberStore store, CredentialStore credentialStore, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.Required("name", request.Name);
        ValidateEmail(request.Email, required: true, errors);
        ValidateCompany(request.Company, errors);
        var pinLength = request.Credentials is { Count: > 0 } ? await credentialStore.PinLengthAsync(caller.OrganisationId, cancellationToken) : CredentialsApi.MinimumPinLength;
        var credentials = ValidateCredentials(request.Credentials, errors, pinLength);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (!caller.IsOrgAdmin && !caller.Covers(request.HomeLocationId))
        {
            return Problems.OutsideScope("homeLocationId");
        }

        var result = await store.CreateAsync(
            caller.OrganisationId,
            new NewMember(request.Name!.Trim(), request.Email!.Trim(), NullIfBlank(request.Company), request.Status ?? MemberStatus.Active, request.HomeLocationId, credentials),
            cancellationToken);
        return result.Outcome switch
        {
            MemberWrite.EmailTaken => Problems.Conflict("email", "is already used by another member"),
            MemberWrite.UnknownLocation => Problems.UnknownReference("homeLocationId", "is not a location of this organisation"),
            MemberWrite.CardTaken => Problems.Conflict($"credentials[{result.Index}].cardNumber", "is already issued to a credential of this organisation"),
            MemberWrite.PinTaken => Problems.Conflict($"credentials[{result.Index}].pin", "is already in use in this organisation; choose another"),
            _ => TypedResults.Created($"/api/v1/members/{result.Member!.Id}", result.Member),
        };
    }

    internal static async Task<Results<Ok<MemberResponse>, NotFound>> GetMember(Guid id, Caller caller, MemberStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(caller.OrganisationId, id, cancellationToken) is { } member && caller.Covers(member.HomeLocationId)
            ? TypedResults.Ok(member)
            : TypedResults.NotFound();

    internal static async Task<Results<Ok<MemberResponse>, ValidationProblem, ProblemHttpResult, NotFound>> UpdateMember(
        Guid id, UpdateMemberRequest request, Caller caller, MemberStore store, LocationStore locations, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.Name.IsPresent)
        {
            errors.Required("name", request.Name.Value);
        }

        if (request.Email.IsPresent)
        {
            ValidateEmail(request.Email.Value, required: true, errors);
        }

        if (request.Status.IsNull)
        {
            errors.Add("status", "must not be null; leave it out to keep it");
        }

        ValidateCompany(request.Company.Value, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (request.HomeLocationId.Value is { } home && await CheckHomeLocation(home, caller, locations, cancellationToken) is { } problem)
        {
            return problem;
        }

        var company = request.Company.IsPresent ? new Optional<string?>(NullIfBlank(request.Company.Value)) : default;
        var patch = new MemberPatch(request.Name.Value?.Trim(), request.Email.Value?.Trim(), company, request.HomeLocationId, request.Status.Value);
        return Answer(await store.UpdateAsync(caller, id, patch, cancellationToken));
    }

    internal static async Task<Results<Ok<MemberResponse>, ValidationProblem, ProblemHttpResult, NotFound>> SuspendMember(
        Guid id, Caller caller, MemberStore store, CancellationToken cancellationToken) =>
        Answer(await store.UpdateAsync(caller, id, new MemberPatch(Status: MemberStatus.Suspended), cancellationToken));

    internal static async Task<Results<Ok<MemberResponse>, ValidationProblem, ProblemHttpResult, NotFound>> ReinstateMember(
        Guid id, Caller caller, MemberStore store, CancellationToken cancellationToken) =>
        Answer(await store.UpdateAsync(caller, id, new MemberPatch(Status: MemberStatus.Active), cancellationToken));

    internal static Results<Ok<MemberResponse>, ValidationProblem, ProblemHttpResult, NotFound> Answer(MemberWriteResult result) =>
        result.Outcome switch
        {
            MemberWrite.Done => TypedResults.Ok(result.Member!),
            MemberWrite.EmailTaken => Problems.Conflict("email", "is already used by another member"),
            MemberWrite.OutsideScope => Problems.OutsideScope("homeLocationId"),
            _ => TypedResults.NotFound(),
        };

    /// <summary>A new home location must be the organisation's, and one the caller manages.</summary>
    private static async Task<ProblemHttpResult?> CheckHomeLocation(Guid id, Caller caller, LocationStore locations, CancellationToken cancellationToken)
    {
        if (await locations.GetAsync(caller.OrganisationId, id, cancellationToken) is null)
        {
            return Problems.UnknownReference("homeLocationId", "is not a location of this organisation");
        }

        return caller.Covers(id) ? null : Problems.OutsideScope("homeLocationId");
    }

    private static void ValidateEmail(string? email, bool required, ValidationErrors errors)
    {
        if (email is null && !required)
        {
            return;
        }

        if (errors.Required("email", email, maxLength: 254) && !(MailAddress.TryCreate(email!.Trim(), out var address) && address.Address == email.Trim()))
        {
            errors.Add("email", "must be an e-mail address");
        }
    }

    private static List<NewCredential> ValidateCredentials(IReadOnlyList<CreateCredentialRequest?>? requests, ValidationErrors errors, int minimumPinLength)
    {
        var credentials = new List<NewCredential>();
        if (requests is { Count: > MaxCredentials })
        {
            errors.Add("credentials", $"must hold at most {MaxCredentials} credentials");
            return credentials;
        }

        for (var i = 0; i < (requests?.Count ?? 0); i++)
        {
            if (requests![i] is not { } request)
            {
                errors.Add($"credentials[{i}]", "must be a credential");
            }
            else if (CredentialsApi.Validate(request, errors, $"credentials[{i}].", minimumPinLength) is { } credential)
            {
                credentials.Add(credential);
            }
        }

        return credentials;
    }

    private static void ValidateCompany(string? company, ValidationErrors errors)
    {
        if (company is { Length: > 200 })
        {
            errors.Add("company", "must be at most 200 characters");
        }
    }

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
