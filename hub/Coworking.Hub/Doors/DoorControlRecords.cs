using Coworking.Hub.Locations;

namespace Coworking.Hub.Doors;

/// <summary>Which presentations a door accepts (wire names card, card_or_pin, card_and_pin, pin).</summary>
public enum DoorCredentialPolicy
{
    /// <summary>A card only; a typed PIN is refused without being looked up.</summary>
    Card,

    /// <summary>A card, or a PIN on its own (booking and visitor PINs need this at their doors).</summary>
    CardOrPin,

    /// <summary>A card followed by its holder's PIN.</summary>
    CardAndPin,

    /// <summary>A PIN only (a keypad door).</summary>
    Pin,
}

/// <summary>
/// A door's control: its credential policy, the weekly hours it accepts credentials (null: at all hours), the weekly
/// hours its strike stays released without a badge (null: never), and whether those begin only after a staff badge.
/// Hours are in the location's time zone, on its wall clock.
/// </summary>
public sealed record DoorControlRequest(DoorCredentialPolicy? CredentialPolicy, StaffedHours? AcceptHours = null, StaffedHours? UnlockedHours = null, bool? FirstPersonIn = null);

/// <param name="Lockdown">Whether a lockdown in force covers the door.</param>
public sealed record DoorControlResponse(
    Guid DoorId, Guid LocationId, DoorCredentialPolicy CredentialPolicy, StaffedHours? AcceptHours, StaffedHours? UnlockedHours, bool FirstPersonIn, bool Lockdown);

public enum LockdownScope
{
    /// <summary>Every door of the location.</summary>
    Location,

    /// <summary>Every door of one area, also doors added to it later.</summary>
    Area,

    /// <summary>One door.</summary>
    Door,
}

public sealed record StartLockdownRequest(LockdownScope? Scope, Guid? AreaId = null, Guid? DoorId = null, string? Reason = null);

/// <param name="StartedBy">The actor that started it, e.g. "api_key:&lt;id&gt;".</param>
public sealed record LockdownResponse(
    Guid Id, Guid LocationId, LockdownScope Scope, Guid? AreaId, Guid? DoorId, string Reason, string StartedBy, DateTimeOffset StartedAt,
    string? LiftedBy, DateTimeOffset? LiftedAt)
{
    public bool Active => LiftedAt is null;
}

/// <summary>
/// Who a location's lockdowns still admit and who counts as staff: staff are admitted during a lockdown and open
/// first-person-in doors; first responders are admitted during a lockdown. Either still needs a grant for the door.
/// </summary>
public sealed record AccessRoles(IReadOnlyList<Guid>? Staff = null, IReadOnlyList<Guid>? FirstResponders = null);

/// <param name="Seconds">How long the strike is released; the door's unlock time when absent.</param>
public sealed record RemoteUnlockRequest(int? Seconds = null);

/// <param name="Unlocked">The edge released the strike.</param>
/// <param name="Outcome">unlocked, unknown_door (the edge that answered has no hardware for it), hardware_failed or expired.</param>
public sealed record RemoteUnlockResponse(Guid CommandId, Guid DoorId, bool Unlocked, string Outcome, Guid EdgeId, int UnlockMs, DateTimeOffset? UnlockedAt);
