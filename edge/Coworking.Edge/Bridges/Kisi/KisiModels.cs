namespace Coworking.Edge.Bridges.Kisi;

internal sealed record KisiUser(long Id, string Name, string Email);

internal sealed record KisiGroup(long Id, string Name, string? Description);

internal sealed record KisiGroupLock(long Id, long GroupId, long LockId);

internal sealed record KisiRoleAssignment(long Id, long UserId, long? GroupId, string RoleId, DateTimeOffset? ValidFrom, DateTimeOffset? ValidUntil);

/// <summary>A Kisi webhook's event: who did what to which object, and whether it worked.</summary>
internal sealed record KisiEvent(
    long Id, string Action, string? ActorType, long? ActorId, string? ObjectType, long? ObjectId, bool Success, DateTimeOffset CreatedAt);

/// <summary>Kisi answered an error ({code, error}); <see cref="StatusCode"/> is the HTTP status.</summary>
public sealed class KisiException(int statusCode, string code, string message) : VendorApiException("Kisi", statusCode, code, message);
