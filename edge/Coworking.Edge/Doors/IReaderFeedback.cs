namespace Coworking.Edge.Doors;

public enum ReaderSignal
{
    /// <summary>LED green, one short beep.</summary>
    Granted,

    /// <summary>LED red, one long beep.</summary>
    Denied,

    /// <summary>LED amber, one short beep: the card is good, now type the PIN.</summary>
    PinRequired,
}

/// <summary>What a reader shows the person in front of it.</summary>
public interface IReaderFeedback
{
    string ReaderId { get; }

    Task ShowAsync(ReaderSignal signal, CancellationToken cancellationToken);
}
