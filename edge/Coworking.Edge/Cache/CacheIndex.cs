namespace Coworking.Edge.Cache;

/// <summary>
/// An immutable picture of the cache at one applied seq, shaped for decisions: every lookup a badge
/// needs is one dictionary probe. A batch builds a new index and swaps it in; readers never lock.
/// </summary>
public sealed class CacheIndex
{
    private readonly Dictionary<string, CachedCredential> _credentials;
    private readonly Dictionary<CardKey, CachedCredential> _cards;
    private readonly Dictionary<PinHash, CachedCredential> _pins;
    private readonly Dictionary<string, CachedHolder> _holders;
    private readonly Dictionary<string, CachedGrant> _grants;
    private readonly Dictionary<string, CachedGrant[]> _grantsByHolder;
    private readonly Dictionary<string, DoorPolicy> _doors;
    private readonly Dictionary<string, int> _doorSlots;

    internal CacheIndex(
        long seq,
        string locationId,
        LocationPolicy? location,
        Dictionary<string, CachedCredential> credentials,
        Dictionary<CardKey, CachedCredential> cards,
        Dictionary<PinHash, CachedCredential> pins,
        Dictionary<string, CachedHolder> holders,
        Dictionary<string, CachedGrant> grants,
        Dictionary<string, CachedGrant[]> grantsByHolder,
        Dictionary<string, DoorPolicy> doors,
        Dictionary<string, int> doorSlots)
    {
        Seq = seq;
        LocationId = locationId;
        Location = location;
        _credentials = credentials;
        _cards = cards;
        _pins = pins;
        _holders = holders;
        _grants = grants;
        _grantsByHolder = grantsByHolder;
        _doors = doors;
        _doorSlots = doorSlots;
    }

    public static CacheIndex Empty { get; } = new(0, "", null, [], [], [], [], [], [], [], []);

    /// <summary>The last change-log seq this index contains.</summary>
    public long Seq { get; }

    /// <summary>The location whose log this is; empty until the first batch.</summary>
    public string LocationId { get; }

    public LocationPolicy? Location { get; }

    public int CredentialCount => _credentials.Count;

    public int HolderCount => _holders.Count;

    public int GrantCount => _grants.Count;

    public IReadOnlyCollection<DoorPolicy> Doors => _doors.Values;

    public IReadOnlyCollection<CachedCredential> Credentials => _credentials.Values;

    public IReadOnlyCollection<CachedHolder> Holders => _holders.Values;

    public IReadOnlyCollection<CachedGrant> Grants => _grants.Values;

    public bool TryGetCredential(string credentialId, out CachedCredential credential) =>
        _credentials.TryGetValue(credentialId, out credential!);

    public bool TryGetCard(CardKey card, out CachedCredential credential) => _cards.TryGetValue(card, out credential!);

    public bool TryGetPin(PinHash pin, out CachedCredential credential) => _pins.TryGetValue(pin, out credential!);

    public bool TryGetHolder(string holderId, out CachedHolder holder) => _holders.TryGetValue(holderId, out holder!);

    public bool TryGetGrant(string grantId, out CachedGrant grant) => _grants.TryGetValue(grantId, out grant!);

    public bool TryGetDoor(string doorId, out DoorPolicy door) => _doors.TryGetValue(doorId, out door!);

    /// <summary>The door's slot in the grants' door bit sets, or -1 when no grant or door names it.</summary>
    public int DoorSlotOf(string doorId) => _doorSlots.TryGetValue(doorId, out var slot) ? slot : -1;

    public ReadOnlySpan<CachedGrant> GrantsOf(string holderId) =>
        _grantsByHolder.TryGetValue(holderId, out var grants) ? grants : [];

    internal CacheIndexBuilder ToBuilder() =>
        new(Location, _credentials, _cards, _pins, _holders, _grants, _grantsByHolder, _doors, _doorSlots);
}
