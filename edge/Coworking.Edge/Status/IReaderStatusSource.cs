namespace Coworking.Edge.Status;

/// <param name="LastReplyAt">When the reader last answered the edge; null if it never has.</param>
/// <param name="SecureChannelActive">For readers configured with the secure channel: whether it is up now.</param>
/// <param name="LastError">The last problem the reader had (no reply, NAK, failed handshake), for the installer.</param>
public sealed record ReaderStatus(
    string ReaderId,
    string? DoorId,
    bool Online,
    DateTimeOffset? LastReplyAt,
    bool? SecureChannelActive = null,
    string? LastError = null);

/// <summary>Anything that drives readers (the OSDP control panel) tells the status page how they are.</summary>
public interface IReaderStatusSource
{
    IReadOnlyCollection<ReaderStatus> Readers { get; }
}
