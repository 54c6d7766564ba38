namespace Coworking.Hub.Auth;

public enum Role
{
    /// <summary>Sees and changes the whole organisation.</summary>
    OrgAdmin,

    /// <summary>Sees and changes only the locations in its scope.</summary>
    LocationManager,
}

/// <summary>Who is calling: the API key's organisation, role and location scope. Bound into handlers.</summary>
public sealed record Caller(Guid OrganisationId, Guid ApiKeyId, Role Role, IReadOnlySet<Guid> LocationIds)
{
    public bool IsOrgAdmin => Role == Role.OrgAdmin;

    /// <summary>Locations the caller is limited to for SQL filters, or null for the whole organisation.</summary>
    public Guid[]? Scope => IsOrgAdmin ? null : [.. LocationIds];

    public bool Covers(Guid? locationId) => IsOrgAdmin || (locationId is { } id && LocationIds.Contains(id));

    public static ValueTask<Caller?> BindAsync(HttpContext context) => ValueTask.FromResult(context.Features.Get<Caller>());
}
