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
/// <param name="LastErrorKind">What <paramref name="LastError"/> is about, one of <see cref="PdErrorKind"/>; null with no error.</param>
/// <param name="RejectedFrames">The last 20 replies of this reader that were not acted on, oldest first.</param>
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
    string? LastErrorKind,
    PdCountersSnapshot Counters,
    IReadOnlyList<RejectedFrame> RejectedFrames);

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
/// <param name="Timeouts">Commands with nothing back by the deadline.</param>
/// <param name="RejectedReplies">Commands whose reply arrived and was rejected (no usable reply by the deadline); by kind in the next four.</param>
/// <param name="BadChecks">Replies with a wrong CRC-16 or checksum.</param>
/// <param name="BadSecurityBlocks">Replies with a wrong, malformed or missing security block.</param>
/// <param name="BadMacs">Secure channel replies whose MAC or encrypted data did not verify.</param>
/// <param name="BadReplies">Replies malformed, answering another command, or with the wrong sequence number.</param>
/// <param name="WrongKey">Secure channel handshakes in which the reader could not prove it holds the key tried.</param>
/// <param name="NaksByCode">osdp_NAK answers by error code, e.g. "NAK 3 (UnknownCommand)".</param>
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
    long SecureChannelFailures,
    long RejectedReplies,
    long BadChecks,
    long BadSecurityBlocks,
    long BadMacs,
    long BadReplies,
    long WrongKey,
    IReadOnlyDictionary<string, long> NaksByCode);
