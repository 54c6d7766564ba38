using Coworking.Edge.Sensors;

namespace Coworking.Edge.Cache;

/// <summary>
/// An immutable picture of the cache at one applied seq, shaped for decisions: a badge costs a card lookup,
/// a holder lookup (which also lists the holder's grants) and the door's slot. A batch builds a new index
/// and swaps it in; readers never lock. Only decision-shaped data is held: ids as <see cref="EntityId"/>,
/// one instance per distinct schedule and door set, none of the hub's messages (the cache's file has those).
/// </summary>
public sealed class CacheIndex
{
    private readonly PartitionedMap<EntityId, CachedCredential> _credentials;
    private readonly PartitionedMap<CardKey, CachedCredential> _cards;
    private readonly PartitionedMap<PinHash, CachedCredential> _pins;
    private readonly PartitionedMap<EntityId, CachedHolder> _holders;
    private readonly PartitionedMap<EntityId, CachedGrant> _grants;
    private readonly Dictionary<string, DoorPolicy> _doors;
    private readonly Dictionary<string, int> _doorSlots;

    internal CacheIndex(
        long seq,
        string locationId,
        LocationPolicy? location,
        PartitionedMap<EntityId, CachedCredential> credentials,
        PartitionedMap<CardKey, CachedCredential> cards,
        PartitionedMap<PinHash, CachedCredential> pins,
        PartitionedMap<EntityId, CachedHolder> holders,
        int holderCount,
        PartitionedMap<EntityId, CachedGrant> grants,
        Dictionary<string, DoorPolicy> doors,
        Dictionary<string, int> doorSlots,
        IndexInterner? interner,
        DoorControlPolicy? doorControl = null,
        Dictionary<string, SensorConfig>? sensors = null,
        Dictionary<string, SensorGatewayConfig>? sensorGateways = null)
    {
        SensorMap = sensors ?? [];
        SensorGatewayMap = sensorGateways ?? [];
        DoorControl = doorControl ?? DoorControlPolicy.None;
        Seq = seq;
        LocationId = locationId;
        Location = location;
        _credentials = credentials;
        _cards = cards;
        _pins = pins;
        _holders = holders;
        HolderCount = holderCount;
        _grants = grants;
        _doors = doors;
        _doorSlots = doorSlots;
        Interner = interner;
    }

    public static CacheIndex Empty { get; } = new(0, "", null, PartitionedMap<EntityId, CachedCredential>.Empty, PartitionedMap<CardKey, CachedCredential>.Empty,
        PartitionedMap<PinHash, CachedCredential>.Empty, PartitionedMap<EntityId, CachedHolder>.Empty, 0, PartitionedMap<EntityId, CachedGrant>.Empty, [], [], null);

    /// <summary>The last change-log seq this index contains.</summary>
    public long Seq { get; }

    /// <summary>The location whose log this is; empty until the first batch.</summary>
    public string LocationId { get; }

    public LocationPolicy? Location { get; }

    /// <summary>Lockdowns in force, who they still admit, and the staff of first-person-in doors.</summary>
    public DoorControlPolicy DoorControl { get; }

    public int CredentialCount => _credentials.Count;

    /// <summary>Holders the hub described (not those only named by a grant).</summary>
    public int HolderCount { get; }

    public int GrantCount => _grants.Count;

    public IReadOnlyCollection<DoorPolicy> Doors => _doors.Values;

    /// <summary>The occupancy sensors the hub configured (docs/SENSORS.md).</summary>
    public IReadOnlyCollection<SensorConfig> Sensors => SensorMap.Values;

    internal Dictionary<string, SensorConfig> SensorMap { get; }

    /// <summary>The sensor gateways the hub issued, allowed at the embedded broker beside those of the edge's own config.</summary>
    public IReadOnlyCollection<SensorGatewayConfig> SensorGateways => SensorGatewayMap.Values;

    internal Dictionary<string, SensorGatewayConfig> SensorGatewayMap { get; }

    public IEnumerable<CachedCredential> Credentials => _credentials.Values;

    public IEnumerable<CachedHolder> Holders => _holders.Values.Where(h => h.Present);

    public IEnumerable<CachedGrant> Grants => _grants.Values;

    internal PartitionedMap<EntityId, CachedCredential> CredentialMap => _credentials;

    internal PartitionedMap<CardKey, CachedCredential> CardMap => _cards;

    internal PartitionedMap<PinHash, CachedCredential> PinMap => _pins;

    internal PartitionedMap<EntityId, CachedHolder> HolderMap => _holders;

    internal PartitionedMap<EntityId, CachedGrant> GrantMap => _grants;

    internal Dictionary<string, DoorPolicy> DoorMap => _doors;

    internal Dictionary<string, int> DoorSlotMap => _doorSlots;

    /// <summary>The shared schedules and door sets of this index's line of builds (none for <see cref="Empty"/>).</summary>
    internal IndexInterner? Interner { get; }

    public bool TryGetCredential(string credentialId, out CachedCredential credential) =>
        _credentials.TryGetValue(EntityId.Of(credentialId), out credential!);

    public bool TryGetCard(CardKey card, out CachedCredential credential) => _cards.TryGetValue(card, out credential!);

    public bool TryGetPin(PinHash pin, out CachedCredential credential) => _pins.TryGetValue(pin, out credential!);

    public bool TryGetHolder(string holderId, out CachedHolder holder) =>
        _holders.TryGetValue(EntityId.Of(holderId), out holder!) && holder.Present;

    /// <summary>The holder's entry, also when it is only named by grants (then not <see cref="CachedHolder.Present"/>).</summary>
    internal bool TryGetHolderEntry(EntityId holderId, out CachedHolder holder) => _holders.TryGetValue(holderId, out holder!);

    public bool TryGetGrant(string grantId, out CachedGrant grant) => _grants.TryGetValue(EntityId.Of(grantId), out grant!);

    public bool TryGetDoor(string doorId, out DoorPolicy door) => _doors.TryGetValue(doorId, out door!);

    /// <summary>The door's slot in the grants' door bit sets, or -1 when no grant or door names it.</summary>
    public int DoorSlotOf(string doorId) => _doorSlots.TryGetValue(doorId, out var slot) ? slot : -1;

    public ReadOnlySpan<CachedGrant> GrantsOf(string holderId) =>
        _holders.TryGetValue(EntityId.Of(holderId), out var holder) ? holder.Grants : [];

    internal CacheIndexBuilder ToBuilder() => new(this);
}

/// <summary>
/// One instance per distinct schedule and per distinct door set, shared by every grant and door that has
/// it: 100,000 grants with the same weekday hours hold one schedule. Used by builders only, one at a time.
/// </summary>
internal sealed class IndexInterner
{
    private readonly Dictionary<WeeklySchedule, WeeklySchedule> _schedules = [];
    private readonly Dictionary<ulong[], ulong[]> _doorSets = new(DoorSetComparer.Instance);

    public WeeklySchedule Intern(WeeklySchedule schedule)
    {
        if (schedule.IsAllHours)
        {
            return WeeklySchedule.AllHours;
        }

        if (_schedules.TryGetValue(schedule, out var shared))
        {
            return shared;
        }

        _schedules.Add(schedule, schedule);
        return schedule;
    }

    public ulong[] Intern(ulong[] doorSet)
    {
        if (doorSet.Length == 0)
        {
            return [];
        }

        if (_doorSets.TryGetValue(doorSet, out var shared))
        {
            return shared;
        }

        _doorSets.Add(doorSet, doorSet);
        return doorSet;
    }

    private sealed class DoorSetComparer : IEqualityComparer<ulong[]>
    {
        public static readonly DoorSetComparer Instance = new();

        public bool Equals(ulong[]? x, ulong[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(ulong[] set)
        {
            var hash = new HashCode();
            foreach (var word in set)
            {
                hash.Add(word);
            }

            return hash.ToHashCode();
        }
    }
}
