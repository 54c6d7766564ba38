namespace Coworking.Hub.Auth;

public enum Role
{
    /// <summary>Sees and changes the whole organisation.</summary>
    OrgAdmin,

    /// <summary>Sees and changes only the locations in its scope.</summary>
    LocationManager,

    /// <summary>
    /// Scoped to locations like a manager, for the desk: members, bookings, visitors and doors; no money (invoices,
    /// payments, memberships) and no configuration (locations, resources, tiers, edges, keys, operators).
    /// </summary>
    FrontDesk,

    /// <summary>A member acting for themselves (a portal session): never a staff role, never stored on a key or an operator.</summary>
    Member,
}

/// <summary>What kind of actor a request or job acts as (ARCHITECTURE §9); stored beside the actor's id on every write.</summary>
public enum ActorKind
{
    ApiKey,
    Operator,
    Member,
    Edge,
    System,
}

/// <summary>Who did something: an API key, an operator, a member or an edge by id; the system (a scheduled job) has none.</summary>
public readonly record struct Actor(ActorKind Kind, Guid? Id)
{
    /// <summary>The hub itself: the membership clock, dunning, a webhook from the payment provider.</summary>
    public static Actor System { get; } = new(ActorKind.System, null);
}

/// <summary>
/// Who is calling: the organisation, the actor (an API key, a signed-in operator or member), its role and location
/// scope. Bound into handlers. A member caller has <see cref="Role.Member"/> and no locations, so it is covered by no
/// location check and passes no staff check; its own routes (<c>/api/v1/me</c>) filter by <see cref="MemberId"/>.
/// </summary>
public sealed record Caller(Guid OrganisationId, Actor Actor, Role Role, IReadOnlySet<Guid> LocationIds)
{
    public bool IsOrgAdmin => Role == Role.OrgAdmin;

    /// <summary>An API key or an operator: the only callers the organisation's routes serve.</summary>
    public bool IsStaff => Actor.Kind is ActorKind.ApiKey or ActorKind.Operator && Role != Role.Member;

    /// <summary>Staff that may see and move money and change configuration: everyone but the front desk.</summary>
    public bool IsManager => IsStaff && Role != Role.FrontDesk;

    /// <summary>The member acting for themselves, or null for any other actor.</summary>
    public Guid? MemberId => Actor.Kind == ActorKind.Member ? Actor.Id : null;

    /// <summary>Locations the caller is limited to for SQL filters, or null for the whole organisation.</summary>
    public Guid[]? Scope => IsOrgAdmin || OwnData ? null : [.. LocationIds];

    /// <summary>
    /// Set only by <see cref="ForOwnData"/>: a member on their own routes, whose every query also names the member,
    /// sees their rows at any location of the organisation.
    /// </summary>
    private bool OwnData { get; init; }

    public bool Covers(Guid? locationId) => IsOrgAdmin || OwnData || (locationId is { } id && LocationIds.Contains(id));

    /// <summary>
    /// The member caller for the member's own routes, which pass <see cref="MemberId"/> to every store they call, so
    /// the location checks that keep staff in their scope do not hide the member's own rows from them.
    /// </summary>
    public Caller ForOwnData() => MemberId is null
        ? throw new InvalidOperationException("only a member acts on their own data")
        : this with { OwnData = true };

    public static ValueTask<Caller?> BindAsync(HttpContext context) => ValueTask.FromResult(context.Features.Get<Caller>());
}
