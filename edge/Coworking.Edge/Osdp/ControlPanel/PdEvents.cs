using Coworking.Edge.Osdp.Cards;

namespace Coworking.Edge.Osdp.ControlPanel;

/// <summary>Something a reader reported, with its address, the door it serves and when the edge got it.</summary>
public abstract record PdEvent(byte Address, string DoorId, DateTimeOffset At);

/// <summary>A card was read (its parity checked where the format has any).</summary>
public sealed record CardPresented(byte Address, string DoorId, DateTimeOffset At, CardRead Card) : PdEvent(Address, DoorId, At);

/// <summary>Digits entered on the keypad and ended with '#'. ToString never shows them.</summary>
public sealed record KeypadEntered(byte Address, string DoorId, DateTimeOffset At, string Digits) : PdEvent(Address, DoorId, At)
{
    public override string ToString() => $"KeypadEntered {{ Address = {Address}, DoorId = {DoorId}, At = {At:O} }}";
}

/// <summary>An input (door contact, request-to-exit) changed, or its first known state after the reader came online.</summary>
public sealed record InputChanged(byte Address, string DoorId, DateTimeOffset At, int Input, bool Active) : PdEvent(Address, DoorId, At);

/// <summary>The reader came online (identified, secure channel up when configured) or stopped answering.</summary>
public sealed record PdOnlineChanged(byte Address, string DoorId, DateTimeOffset At, bool Online) : PdEvent(Address, DoorId, At);

/// <summary>How a command sent to a reader ended.</summary>
public enum OsdpCommandResult
{
    /// <summary>The reader acknowledged it.</summary>
    Acknowledged,

    /// <summary>The reader refused it (osdp_NAK).</summary>
    Rejected,

    /// <summary>The reader is offline, or went offline before answering.</summary>
    Offline,
}
