namespace Coworking.Edge.Outbox;

/// <summary>Records an event durably: when the task completes, the event survives a crash or power cut.</summary>
public interface IEventRecorder
{
    Task<Guid> AppendAsync(EdgeEvent edgeEvent, CancellationToken cancellationToken);
}
