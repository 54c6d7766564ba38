using Coworking.Edge.Osdp.Framing;

namespace Coworking.Edge.Osdp.ControlPanel;

/// <summary>A bus as an installer sees it: the port, its counters, and every reader.</summary>
public sealed record OsdpBusStatus(
    string PortName,
    int BaudRate,
    bool PortOpen,
    string? PortError,
    OsdpBusCountersSnapshot Counters,
    IReadOnlyList<PdStatus> Readers);

/// <summary>One reader: online state, last reply, secure channel, identity from osdp_PDID, inputs and outputs, counters.</summary>
public sealed record PdStatus(
    byte Address,
    string DoorId,
    bool Online,
    DateTimeOffset? LastReplyAt,
    bool SecureChannelConfigured,
    bool InstallMode,
    bool SecureChannelActive,
    PdIdentity? Identity,
    bool? Tamper,
    bool? PowerFailure,
    IReadOnlyList<bool> Inputs,
    IReadOnlyList<bool> Outputs,
    string? LastError,
    PdCountersSnapshot Counters);

/// <summary>What the reader said about itself in osdp_PDID.</summary>
public sealed record PdIdentity(string Vendor, byte Model, byte Version, uint SerialNumber, string Firmware);

/// <summary>Counts for the whole bus since the edge started.</summary>
public sealed record OsdpBusCountersSnapshot(
    long FramesSent,
    long FramesReceived,
    long BytesSent,
    long BytesReceived,
    long Naks,
    long Timeouts,
    long Retries,
    long Busy,
    long RejectedCardReads,
    long PortErrors,
    long Rejects,
    IReadOnlyDictionary<OsdpRejectReason, long> RejectsByReason);

/// <summary>Counts for one reader since the edge started.</summary>
public sealed record PdCountersSnapshot(
    long Commands,
    long Replies,
    long Naks,
    long Timeouts,
    long Retries,
    long CardReads,
    long RejectedCardReads,
    long KeypadEntries,
    long OfflineTransitions,
    long SecureChannelFailures);
