using Coworking.Edge.Cache;

namespace Coworking.Edge.Decisions;

/// <summary>
/// What a reader saw at a door: a card, typed PIN digits, or a card followed by its PIN.
/// ToString masks both: presentations may be logged, card numbers and PINs never are.
/// </summary>
public sealed record Presentation
{
    private Presentation(string doorId, string readerId, CardKey? card, string? pin)
    {
        DoorId = doorId;
        ReaderId = readerId;
        Card = card;
        Pin = pin;
    }

    public string DoorId { get; }

    public string ReaderId { get; }

    public CardKey? Card { get; }

    public string? Pin { get; }

    public static Presentation ForCard(string doorId, string readerId, uint facilityCode, ulong cardNumber) =>
        new(doorId, readerId, new CardKey(facilityCode, cardNumber), null);

    public static Presentation ForPin(string doorId, string readerId, string digits) =>
        new(doorId, readerId, null, digits);

    public static Presentation ForCardAndPin(string doorId, string readerId, uint facilityCode, ulong cardNumber, string digits) =>
        new(doorId, readerId, new CardKey(facilityCode, cardNumber), digits);

    /// <summary>What an event may show of the credential: kind and the card's last digits, never a PIN.</summary>
    public string Masked => (Card, Pin) switch
    {
        ({ } card, null) => card.ToString(),
        ({ } card, not null) => card + " + pin",
        (null, not null) => "pin",
        _ => "nothing",
    };

    public override string ToString() => $"{Masked} at door {DoorId} reader {ReaderId}";
}
