using Coworking.Edge.Cache;
using LiteDB;

namespace Coworking.Edge.Doors;

/// <summary>One occurrence of a door's weekly unlocked-hours window: its local date and start minute.</summary>
public readonly record struct WindowKey(DateOnly Date, int StartMinute);

/// <summary>
/// Which first-person-in doors a staff holder has opened, and for which occurrence of their unlocked hours: kept in a
/// LiteDB file beside the cache (when opened with a path), each change on disk before the strike is released for it,
/// so an edge restarted at 10:00 keeps the front door open that staff opened at 08:30 instead of locking it again
/// until staff badge a second time. One row per door; a row of an earlier window simply no longer matches.
/// </summary>
public sealed class FirstPersonInState : IDisposable
{
    private const string Collection = "first_person_in";

    private readonly LiteDbFile? _file;
    private readonly ILiteCollection<BsonDocument>? _stored;
    private readonly Lock _sync = new();
    private readonly Dictionary<string, WindowKey> _opened = new(StringComparer.Ordinal);

    /// <summary>State in memory only (tests, benchmarks): a restart forgets it and doors wait for staff again.</summary>
    public FirstPersonInState()
    {
    }

    private FirstPersonInState(LiteDbFile file)
    {
        _file = file;
        _stored = file.Database.GetCollection(Collection);
        foreach (var document in _stored.FindAll())
        {
            _opened[document["_id"].AsString] = new WindowKey(DateOnly.FromDayNumber(document["d"].AsInt32), document["m"].AsInt32);
        }
    }

    /// <summary>Opens (or creates) the state's file; an unreadable one is moved aside and the doors wait for staff again.</summary>
    public static FirstPersonInState Open(string path)
    {
        try
        {
            return new FirstPersonInState(LiteDbFile.Open(path));
        }
        catch (LiteException)
        {
            File.Move(path, path + ".corrupt", overwrite: true);
            return new FirstPersonInState(LiteDbFile.Open(path));
        }
    }

    /// <summary>Whether staff opened the door for this occurrence of its window.</summary>
    public bool IsOpened(string doorId, WindowKey window)
    {
        lock (_sync)
        {
            return _opened.TryGetValue(doorId, out var opened) && opened == window;
        }
    }

    /// <summary>Records that staff opened the door for this window; false when it was already (nothing written).</summary>
    public bool Open(string doorId, WindowKey window)
    {
        lock (_sync)
        {
            if (_opened.TryGetValue(doorId, out var known) && known == window)
            {
                return false;
            }

            _opened[doorId] = window;
            if (_stored is not null)
            {
                _stored.Upsert(new BsonDocument { ["_id"] = doorId, ["d"] = window.Date.DayNumber, ["m"] = window.StartMinute });
                _file!.MakeDurable();
            }

            return true;
        }
    }

    public void Dispose() => _file?.Dispose();
}
