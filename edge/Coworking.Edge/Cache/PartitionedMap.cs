using System.Diagnostics.CodeAnalysis;

namespace Coworking.Edge.Cache;

/// <summary>
/// An immutable map kept as 256 small dictionaries, chosen by the key's hash. A batch copies only the
/// partitions it writes to, so one change to 100,000 credentials copies about 400 entries, and no array of
/// it reaches the large-object heap below about 500,000 entries (those are only reclaimed by full
/// collections: growing or copying one 100,000-entry dictionary leaves megabytes of them behind). A lookup
/// is one array index and one dictionary probe.
/// </summary>
internal sealed class PartitionedMap<TKey, TValue>
    where TKey : notnull
    where TValue : class
{
    private const int PartitionBits = 8;
    private const int Partitions = 1 << PartitionBits;

    private static readonly Dictionary<TKey, TValue> NoEntries = [];

    private readonly Dictionary<TKey, TValue>[] _parts;

    private PartitionedMap(Dictionary<TKey, TValue>[] parts, int count)
    {
        _parts = parts;
        Count = count;
    }

    public static PartitionedMap<TKey, TValue> Empty { get; } = new(Enumerable.Repeat(NoEntries, Partitions).ToArray(), 0);

    public int Count { get; }

    public IEnumerable<TValue> Values => _parts.SelectMany(p => p.Values);

    public bool TryGetValue(TKey key, [MaybeNullWhen(false)] out TValue value) => _parts[PartOf(key)].TryGetValue(key, out value);

    /// <summary>A writer over this map that leaves it untouched.</summary>
    public Writer ToWriter() => new(this);

    /// <summary>Fibonacci hashing of the key's hash: the top bits pick the partition, the dictionary uses all of them.</summary>
    private static int PartOf(TKey key) => (int)(((uint)EqualityComparer<TKey>.Default.GetHashCode(key) * 2654435769u) >> (32 - PartitionBits));

    internal sealed class Writer
    {
        private readonly Dictionary<TKey, TValue>[] _parts;
        private readonly bool[] _owned = new bool[Partitions];
        private bool _built;

        internal Writer(PartitionedMap<TKey, TValue> map)
        {
            _parts = (Dictionary<TKey, TValue>[])map._parts.Clone();
            Count = map.Count;
        }

        public int Count { get; private set; }

        public bool TryGetValue(TKey key, [MaybeNullWhen(false)] out TValue value) => _parts[PartOf(key)].TryGetValue(key, out value);

        public void Set(TKey key, TValue value)
        {
            ObjectDisposedException.ThrowIf(_built, this);
            var part = Writable(PartOf(key));
            if (part.TryAdd(key, value))
            {
                Count++;
            }
            else
            {
                part[key] = value;
            }
        }

        public void Remove(TKey key)
        {
            ObjectDisposedException.ThrowIf(_built, this);
            var index = PartOf(key);
            if (_parts[index].ContainsKey(key) && Writable(index).Remove(key))
            {
                Count--;
            }
        }

        /// <summary>The map as written; the writer takes no more writes after it.</summary>
        public PartitionedMap<TKey, TValue> Build()
        {
            _built = true;
            return new PartitionedMap<TKey, TValue>(_parts, Count);
        }

        private Dictionary<TKey, TValue> Writable(int index)
        {
            if (!_owned[index])
            {
                var shared = _parts[index];
                _parts[index] = shared.Count == 0 ? [] : new Dictionary<TKey, TValue>(shared, shared.Comparer);
                _owned[index] = true;
            }

            return _parts[index];
        }
    }
}
