namespace Coworking.Edge.Status;

/// <param name="LastReplyAt">When the reader last answered the edge; null if it never has.</param>
public sealed record ReaderStatus(string ReaderId, string? DoorId, bool Online, DateTimeOffset? LastReplyAt);

/// <summary>Anything that drives readers (the OSDP control panel) tells the status page how they are.</summary>
public interface IReaderStatusSource
{
    IReadOnlyCollection<ReaderStatus> Readers { get; }
}
