using Coworking.Edge.Configuration;

namespace Coworking.Edge.Bridges.Kisi;

/// <summary>
/// The Kisi event ids already turned into access events, kept in a file beside the outbox (the newest
/// <see cref="Capacity"/>), so a webhook Kisi sends twice — or again after the edge restarted — is recorded once.
/// </summary>
public sealed class KisiEventLedger
{
    public const int Capacity = 10_000;

    private readonly string _path;
    private readonly Lock _sync = new();
    private readonly LinkedList<long> _order = new();
    private readonly HashSet<long> _ids = [];
    private readonly HashSet<long> _inFlight = [];
    private int _appended;

    public KisiEventLedger(EdgeOptions edge)
    {
        _path = Path.Combine(edge.DataDirectory, "kisi-events.log");
        if (File.Exists(_path))
        {
            foreach (var line in File.ReadLines(_path).TakeLast(Capacity))
            {
                if (long.TryParse(line, out var id) && _ids.Add(id))
                {
                    _order.AddLast(id);
                }
            }
        }
    }

    /// <summary>True when the id is new and nobody is recording it; the caller then records it and calls <see cref="Complete"/>.</summary>
    public bool TryBegin(long id)
    {
        lock (_sync)
        {
            return !_ids.Contains(id) && _inFlight.Add(id);
        }
    }

    public void Complete(long id)
    {
        lock (_sync)
        {
            _inFlight.Remove(id);
            _ids.Add(id);
            _order.AddLast(id);
            File.AppendAllLines(_path, [id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            if (_order.Count > Capacity)
            {
                _ids.Remove(_order.First!.Value);
                _order.RemoveFirst();
            }

            if (++_appended > Capacity)
            {
                _appended = 0;
                File.WriteAllLines(_path, _order.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
    }
}
