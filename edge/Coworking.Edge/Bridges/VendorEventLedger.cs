namespace Coworking.Edge.Bridges;

/// <summary>
/// A vendor's event ids already turned into access events, kept in a file beside the outbox (the newest
/// <see cref="Capacity"/>), so an event the vendor lists or sends again — or again after the edge restarted — is recorded once.
/// </summary>
public sealed class VendorEventLedger
{
    public const int Capacity = 10_000;

    private readonly string _path;
    private readonly Lock _sync = new();
    private readonly LinkedList<string> _order = new();
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);
    private int _appended;

    public VendorEventLedger(string path)
    {
        _path = path;
        if (File.Exists(_path))
        {
            foreach (var line in File.ReadLines(_path).TakeLast(Capacity))
            {
                if (line.Length > 0 && _ids.Add(line))
                {
                    _order.AddLast(line);
                }
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="record"/> for an id not recorded yet and nobody is recording; false, and nothing run, for one
    /// that is. A record that fails leaves the id free to be tried again.
    /// </summary>
    public async Task<bool> RecordOnceAsync(string id, Func<Task> record)
    {
        lock (_sync)
        {
            if (_ids.Contains(id) || !_inFlight.Add(id))
            {
                return false;
            }
        }

        try
        {
            await record();
        }
        catch
        {
            lock (_sync)
            {
                _inFlight.Remove(id);
            }

            throw;
        }

        Complete(id);
        return true;
    }

    private void Complete(string id)
    {
        lock (_sync)
        {
            _inFlight.Remove(id);
            _ids.Add(id);
            _order.AddLast(id);
            File.AppendAllLines(_path, [id]);
            if (_order.Count > Capacity)
            {
                _ids.Remove(_order.First!.Value);
                _order.RemoveFirst();
            }

            if (++_appended > Capacity)
            {
                _appended = 0;
                File.WriteAllLines(_path, _order);
            }
        }
    }
}
