namespace Coworking.Edge.Decisions;

/// <param name="CredentialId">The credential the presentation resolved to (the card's, for card + PIN).</param>
/// <param name="WrongPin">Typed digits matched no usable PIN; counts towards the PIN lock-out.</param>
public readonly record struct Decision(DecisionReason Reason, string? CredentialId = null, string? HolderId = null, bool WrongPin = false)
{
    public bool Granted => Reason == DecisionReason.Granted;
}
