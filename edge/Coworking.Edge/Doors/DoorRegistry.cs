using System.Collections.Concurrent;
using Coworking.Edge.Cache;
using Coworking.Edge.Outbox;
using Microsoft.Extensions.Logging;

namespace Coworking.Edge.Doors;

/// <summary>
/// The doors and readers this edge drives, whatever their wiring. GPIO and OSDP register their
/// hardware here before the host starts (<see cref="DoorControlService"/> then takes control of
/// each door); a door added later must be started by whoever adds it.
/// </summary>
public sealed class DoorRegistry(GrantCache cache, IEventRecorder recorder, TimeProvider time, ILoggerFactory loggers) : IDisposable
{
    private readonly ConcurrentDictionary<string, Door> _doors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReaderFeedback> _readers = new(StringComparer.Ordinal);

    public IReadOnlyCollection<Door> Doors => [.. _doors.Values.OrderBy(d => d.DoorId, StringComparer.Ordinal)];

    public Door AddDoor(IDoorHardware hardware)
    {
        var doorId = hardware.DoorId;
        var door = new Door(hardware, () => cache.Index.TryGetDoor(doorId, out var policy) ? policy : DoorPolicy.Unknown(doorId),
            recorder, time, loggers.CreateLogger<Door>());
        if (!_doors.TryAdd(doorId, door))
        {
            door.Dispose();
            throw new InvalidOperationException($"Door {doorId} has hardware already.");
        }

        return door;
    }

    public void AddReader(IReaderFeedback feedback)
    {
        if (!_readers.TryAdd(feedback.ReaderId, feedback))
        {
            throw new InvalidOperationException($"Reader {feedback.ReaderId} is registered already.");
        }
    }

    public bool TryGetDoor(string doorId, out Door door) => _doors.TryGetValue(doorId, out door!);

    public bool TryGetReader(string readerId, out IReaderFeedback feedback) => _readers.TryGetValue(readerId, out feedback!);

    public void Dispose()
    {
        foreach (var door in _doors.Values)
        {
            door.Dispose();
        }
    }
}
