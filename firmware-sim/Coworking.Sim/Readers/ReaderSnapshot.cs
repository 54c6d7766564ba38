namespace Coworking.Sim.Readers;

/// <summary>
/// How the door's reader looks right now, for GET /doors. <c>StrikeOn</c> is the strike this instant; <c>StrikeHeld</c>
/// the strike released until told otherwise (a door's unlocked hours); <c>LastStrikePulse*</c> the newest timed release
/// (a grant, an exit or a remote unlock), so a pulse stays visible after it ended.
/// </summary>
internal sealed record ReaderSnapshot(
    string DoorId,
    int Address,
    string Port,
    int BaudRate,
    bool Online,
    DateTimeOffset? LastPollAt,
    bool SecureChannel,
    bool SecureChannelActive,
    bool InstallMode,
    bool Keypad,
    string Led,
    string Buzzer,
    bool StrikeOn,
    bool DoorOpen,
    bool RexPressed,
    int PendingEvents,
    ReaderFaults Faults,
    long Commands,
    long Naks,
    long Repeats,
    bool StrikeHeld,
    DateTimeOffset? LastStrikePulseAt,
    int? LastStrikePulseMs);

/// <summary>A reader as configured (its SCBK resolved from the key store or the config).</summary>
internal sealed record ReaderSetup(
    string DoorId,
    byte Address,
    string Port,
    int BaudRate,
    bool SecureChannel,
    byte[]? Scbk,
    bool Keypad,
    uint SerialNumber);
