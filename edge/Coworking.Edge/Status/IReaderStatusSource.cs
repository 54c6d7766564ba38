using Coworking.Edge.Osdp.ControlPanel;

namespace Coworking.Edge.Status;

/// <param name="LastReplyAt">When the reader last answered the edge; null if it never has.</param>
/// <param name="SecureChannelActive">For readers configured with the secure channel: whether it is up now.</param>
/// <param name="LastError">The last problem the reader had (no reply, replies rejected and why, NAK, failed handshake), for the installer.</param>
/// <param name="LastErrorKind">What that problem is (no_reply, bad_crc, bad_security_block, bad_mac, wrong_key, nak, …: docs/OSDP.md §6).</param>
/// <param name="RejectedFrames">The reader's last 20 replies that were not acted on (hex, card data masked), oldest first, for its vendor.</param>
public sealed record ReaderStatus(
    string ReaderId,
    string? DoorId,
    bool Online,
    DateTimeOffset? LastReplyAt,
    bool? SecureChannelActive = null,
    string? LastError = null,
    string? LastErrorKind = null,
    IReadOnlyList<RejectedFrame>? RejectedFrames = null);

/// <summary>Anything that drives readers (the OSDP control panel) tells the status page how they are.</summary>
public interface IReaderStatusSource
{
    IReadOnlyCollection<ReaderStatus> Readers { get; }
}
