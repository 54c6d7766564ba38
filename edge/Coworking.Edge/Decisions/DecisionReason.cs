using System.Text.Json.Serialization;

namespace Coworking.Edge.Decisions;

/// <summary>Why a presentation was granted or denied; the wire names are the design's reason codes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DecisionReason>))]
public enum DecisionReason
{
    [JsonStringEnumMemberName("granted")] Granted,
    [JsonStringEnumMemberName("unknown_credential")] UnknownCredential,
    [JsonStringEnumMemberName("revoked")] Revoked,
    [JsonStringEnumMemberName("not_yet_valid")] NotYetValid,
    [JsonStringEnumMemberName("expired")] Expired,
    [JsonStringEnumMemberName("holder_suspended")] HolderSuspended,
    [JsonStringEnumMemberName("no_grant_for_door")] NoGrantForDoor,
    [JsonStringEnumMemberName("outside_schedule")] OutsideSchedule,
    [JsonStringEnumMemberName("locked_out")] LockedOut,
    [JsonStringEnumMemberName("lockdown")] Lockdown,
    [JsonStringEnumMemberName("pin_required")] PinRequired,

    /// <summary>The door's credential policy does not take this kind of presentation (a bare PIN at a card door, a card at a PIN door).</summary>
    [JsonStringEnumMemberName("credential_not_accepted")] CredentialNotAccepted,
}

public static class DecisionReasonNames
{
    public static string ToWireName(this DecisionReason reason) => reason switch
    {
        DecisionReason.Granted => "granted",
        DecisionReason.UnknownCredential => "unknown_credential",
        DecisionReason.Revoked => "revoked",
        DecisionReason.NotYetValid => "not_yet_valid",
        DecisionReason.Expired => "expired",
        DecisionReason.HolderSuspended => "holder_suspended",
        DecisionReason.NoGrantForDoor => "no_grant_for_door",
        DecisionReason.OutsideSchedule => "outside_schedule",
        DecisionReason.LockedOut => "locked_out",
        DecisionReason.Lockdown => "lockdown",
        DecisionReason.PinRequired => "pin_required",
        DecisionReason.CredentialNotAccepted => "credential_not_accepted",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    public static bool TryParse(string wireName, out DecisionReason reason)
    {
        foreach (var candidate in Enum.GetValues<DecisionReason>())
        {
            if (candidate.ToWireName() == wireName)
            {
                reason = candidate;
                return true;
            }
        }

        reason = default;
        return false;
    }
}
