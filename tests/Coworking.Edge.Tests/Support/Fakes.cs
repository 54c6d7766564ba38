using System.Collections.Concurrent;
using Coworking.Edge.Doors;
using Coworking.Edge.Outbox;

namespace Coworking.Edge.Tests.Support;

/// <summary>Door hardware that remembers the last command and lets a test play the door's inputs.</summary>
public sealed class FakeDoorHardware(string doorId) : IDoorHardware
{
    private readonly ConcurrentQueue<string> _commands = new();

    public event EventHandler<DoorSignal>? SignalReceived;

    public string DoorId { get; } = doorId;

    public bool? ContactOpen { get; set; }

    /// <summary>Commands in order: "release 5000ms", "hold released", "secure".</summary>
    public IReadOnlyList<string> Commands => [.. _commands];

    public Func<Task>? OnRelease { get; set; }

    public async Task ReleaseAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        if (OnRelease is { } hook)
        {
            await hook();
        }

        _commands.Enqueue($"release {duration.TotalMilliseconds}ms");
    }

    public Task HoldReleasedAsync(CancellationToken cancellationToken)
    {
        _commands.Enqueue("hold released");
        return Task.CompletedTask;
    }

    public Task SecureAsync(CancellationToken cancellationToken)
    {
        _commands.Enqueue("secure");
        return Task.CompletedTask;
    }

    public void Raise(DoorSignalKind kind)
    {
        ContactOpen = kind switch
        {
            DoorSignalKind.ContactOpened => true,
            DoorSignalKind.ContactClosed => false,
            _ => ContactOpen,
        };
        SignalReceived?.Invoke(this, new DoorSignal(kind));
    }
}

public sealed class FakeReaderFeedback(string readerId) : IReaderFeedback
{
    private readonly ConcurrentQueue<ReaderSignal> _shown = new();

    public string ReaderId { get; } = readerId;

    public IReadOnlyList<ReaderSignal> Shown => [.. _shown];

    public Task ShowAsync(ReaderSignal signal, CancellationToken cancellationToken)
    {
        _shown.Enqueue(signal);
        return Task.CompletedTask;
    }
}

/// <summary>Records synchronously, so state-machine tests see events the moment they happen.</summary>
public sealed class RecordingRecorder : IEventRecorder
{
    private readonly ConcurrentQueue<EdgeEvent> _events = new();

    public IReadOnlyList<EdgeEvent> Events => [.. _events];

    public IReadOnlyList<EdgeEventKind> Kinds => [.. _events.Select(e => e.Kind)];

    public Task<Guid> AppendAsync(EdgeEvent edgeEvent, CancellationToken cancellationToken)
    {
        _events.Enqueue(edgeEvent);
        return Task.FromResult(Guid.NewGuid());
    }
}
