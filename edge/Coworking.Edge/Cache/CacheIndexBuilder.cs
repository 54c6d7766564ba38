using Coworking.Proto.V1;
using Google.Protobuf.WellKnownTypes;

namespace Coworking.Edge.Cache;

/// <summary>
/// Applies changes to a copy of an index. Each dictionary is copied on its first write only, so a
/// batch touching one holder does not copy 100,000 credentials. Records which ids it touched so the
/// cache can persist exactly those. Order-independent: a grant may name a holder or door that arrives
/// later in the same batch.
/// </summary>
internal sealed class CacheIndexBuilder
{
    private readonly CopyOnWrite<string, CachedCredential> _credentials;
    private readonly CopyOnWrite<CardKey, CachedCredential> _cards;
    private readonly CopyOnWrite<PinHash, CachedCredential> _pins;
    private readonly CopyOnWrite<string, CachedHolder> _holders;
    private readonly CopyOnWrite<string, CachedGrant> _grants;
    private readonly CopyOnWrite<string, CachedGrant[]> _grantsByHolder;
    private readonly CopyOnWrite<string, DoorPolicy> _doors;
    private readonly CopyOnWrite<string, int> _doorSlots;
    private LocationPolicy? _location;

    internal CacheIndexBuilder(
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
        _location = location;
        _credentials = new(credentials);
        _cards = new(cards);
        _pins = new(pins);
        _holders = new(holders);
        _grants = new(grants);
        _grantsByHolder = new(grantsByHolder);
        _doors = new(doors);
        _doorSlots = new(doorSlots);
    }

    public HashSet<string> TouchedCredentials { get; } = new(StringComparer.Ordinal);

    public HashSet<string> TouchedHolders { get; } = new(StringComparer.Ordinal);

    public HashSet<string> TouchedGrants { get; } = new(StringComparer.Ordinal);

    public HashSet<string> TouchedDoors { get; } = new(StringComparer.Ordinal);

    public bool LocationTouched { get; private set; }

    public static CacheIndexBuilder Empty() => CacheIndex.Empty.ToBuilder();

    /// <summary>Applies one change, or leaves the index as it was and says why the change is unusable.</summary>
    public bool TryApply(Change change, out string? problem)
    {
        problem = change.KindCase switch
        {
            Change.KindOneofCase.Location => ApplyLocation(change.Location),
            Change.KindOneofCase.Door => ApplyDoor(change.Door),
            Change.KindOneofCase.DoorRemoved => RemoveDoor(change.DoorRemoved.DoorId),
            Change.KindOneofCase.Holder => ApplyHolder(change.Holder),
            Change.KindOneofCase.Credential => ApplyCredential(change.Credential),
            Change.KindOneofCase.CredentialRevoked => RevokeCredential(change.CredentialRevoked.CredentialId),
            Change.KindOneofCase.Grant => ApplyGrant(change.Grant),
            Change.KindOneofCase.GrantRemoved => RemoveGrant(change.GrantRemoved.GrantId),
            _ => "unknown change kind",
        };
        return problem is null;
    }

    public CacheIndex Build(long seq, string locationId) =>
        new(seq, locationId, _location, _credentials.Current, _cards.Current, _pins.Current, _holders.Current,
            _grants.Current, _grantsByHolder.Current, _doors.Current, _doorSlots.Current);

    private string? ApplyLocation(LocationUpsert location)
    {
        if (location.LocationId.Length == 0)
        {
            return "location without id";
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(location.TimeZone, out var zone))
        {
            return $"unknown time zone '{location.TimeZone}'";
        }

        if (!WeeklySchedule.TryCreate(location.StaffedHours, out var staffed, out var problem))
        {
            return "staffed hours: " + problem;
        }

        _location = new LocationPolicy(location.LocationId, location.Name, zone, staffed)
        {
            PinKey = location.PinKey.ToByteArray(),
            Source = location,
        };
        LocationTouched = true;
        return null;
    }

    private string? ApplyDoor(DoorUpsert door)
    {
        if (door.DoorId.Length == 0)
        {
            return "door without id";
        }

        if (!WeeklySchedule.TryCreate(door.Schedule, out var schedule, out var problem))
        {
            return "door schedule: " + problem;
        }

        var unlock = door.UnlockMs > 0 ? TimeSpan.FromMilliseconds(door.UnlockMs) : DoorPolicy.DefaultUnlock;
        var heldOpen = door.HeldOpenLimitS > 0 ? TimeSpan.FromSeconds(door.HeldOpenLimitS) : DoorPolicy.DefaultHeldOpenLimit;
        _doors.Write[door.DoorId] = new DoorPolicy(door.DoorId, door.Name, door.FailMode, unlock, heldOpen, schedule,
            door.Lockdown, door.CardAndPin) { Source = door };
        SlotOf(door.DoorId);
        TouchedDoors.Add(door.DoorId);
        return null;
    }

    private string? RemoveDoor(string doorId)
    {
        if (_doors.Current.ContainsKey(doorId))
        {
            _doors.Write.Remove(doorId);
        }

        TouchedDoors.Add(doorId);
        return null;
    }

    private string? ApplyHolder(HolderUpsert holder)
    {
        if (holder.HolderId.Length == 0)
        {
            return "holder without id";
        }

        _holders.Write[holder.HolderId] = new CachedHolder(holder.HolderId, holder.Status) { Source = holder };
        TouchedHolders.Add(holder.HolderId);
        return null;
    }

    private string? ApplyCredential(CredentialUpsert credential)
    {
        if (credential.CredentialId.Length == 0 || credential.HolderId.Length == 0)
        {
            return "credential without id or holder";
        }

        CardKey? card = null;
        PinHash? pin = null;
        switch (credential.Kind)
        {
            case CredentialKind.Card:
                card = new CardKey(credential.FacilityCode, credential.CardNumber);
                break;
            case CredentialKind.Pin when PinHash.TryRead(credential.PinHash.Span, out var hash):
                pin = hash;
                break;
            case CredentialKind.Pin:
                return $"PIN hash of {credential.PinHash.Length} bytes, expected {PinHash.Length}";
            default:
                return $"credential kind {credential.Kind}";
        }

        PutCredential(new CachedCredential(credential.CredentialId, credential.HolderId, credential.Kind, card, pin, Revoked: false)
        {
            Source = credential,
        });
        return null;
    }

    private string? RevokeCredential(string credentialId)
    {
        if (!_credentials.Current.TryGetValue(credentialId, out var credential))
        {
            return "revocation of a credential the edge does not hold";
        }

        PutCredential(credential with { Revoked = true });
        return null;
    }

    private void PutCredential(CachedCredential credential)
    {
        if (_credentials.Current.TryGetValue(credential.Id, out var old))
        {
            if (old.Card is { } oldCard && _cards.Current.TryGetValue(oldCard, out var byCard) && byCard.Id == old.Id)
            {
                _cards.Write.Remove(oldCard);
            }

            if (old.Pin is { } oldPin && _pins.Current.TryGetValue(oldPin, out var byPin) && byPin.Id == old.Id)
            {
                _pins.Write.Remove(oldPin);
            }
        }

        _credentials.Write[credential.Id] = credential;
        if (credential.Card is { } card)
        {
            _cards.Write[card] = credential;
        }

        if (credential.Pin is { } pin)
        {
            _pins.Write[pin] = credential;
        }

        TouchedCredentials.Add(credential.Id);
    }

    private string? ApplyGrant(GrantUpsert grant)
    {
        if (grant.GrantId.Length == 0 || grant.HolderId.Length == 0)
        {
            return "grant without id or holder";
        }

        if (!WeeklySchedule.TryCreate(grant.Schedule, out var schedule, out var problem))
        {
            return "grant schedule: " + problem;
        }

        var slots = Array.Empty<ulong>();
        if (!grant.AllDoors)
        {
            foreach (var doorId in grant.DoorIds)
            {
                var slot = SlotOf(doorId);
                if ((slot >> 6) >= slots.Length)
                {
                    Array.Resize(ref slots, (slot >> 6) + 1);
                }

                slots[slot >> 6] |= 1UL << (slot & 63);
            }
        }

        var cached = new CachedGrant(
            grant.GrantId,
            grant.HolderId,
            grant.CredentialId.Length == 0 ? null : grant.CredentialId,
            grant.AllDoors,
            UtcTicksOf(grant.ValidFrom, DateTimeOffset.MinValue.UtcTicks),
            UtcTicksOf(grant.ValidUntil, DateTimeOffset.MaxValue.UtcTicks),
            schedule)
        {
            DoorSlots = slots,
            Source = grant,
        };
        DetachGrant(grant.GrantId);
        _grants.Write[cached.Id] = cached;
        var holderGrants = _grantsByHolder.Current.GetValueOrDefault(cached.HolderId, []);
        _grantsByHolder.Write[cached.HolderId] = [.. holderGrants, cached];
        TouchedGrants.Add(cached.Id);
        return null;
    }

    private string? RemoveGrant(string grantId)
    {
        DetachGrant(grantId);
        TouchedGrants.Add(grantId);
        return null;
    }

    private void DetachGrant(string grantId)
    {
        if (!_grants.Current.TryGetValue(grantId, out var old))
        {
            return;
        }

        _grants.Write.Remove(grantId);
        var remaining = _grantsByHolder.Current[old.HolderId].Where(g => g.Id != grantId).ToArray();
        if (remaining.Length == 0)
        {
            _grantsByHolder.Write.Remove(old.HolderId);
        }
        else
        {
            _grantsByHolder.Write[old.HolderId] = remaining;
        }
    }

    private int SlotOf(string doorId)
    {
        if (!_doorSlots.Current.TryGetValue(doorId, out var slot))
        {
            slot = _doorSlots.Current.Count;
            _doorSlots.Write[doorId] = slot;
        }

        return slot;
    }

    private static long UtcTicksOf(Timestamp? timestamp, long absent)
    {
        if (timestamp is null)
        {
            return absent;
        }

        var max = DateTimeOffset.MaxValue.ToUnixTimeSeconds();
        var min = DateTimeOffset.MinValue.ToUnixTimeSeconds();
        var seconds = Math.Clamp(timestamp.Seconds, min, max - 1);
        return DateTimeOffset.FromUnixTimeSeconds(seconds).UtcTicks + (Math.Clamp(timestamp.Nanos, 0, 999_999_999) / 100);
    }

    private sealed class CopyOnWrite<TKey, TValue>(Dictionary<TKey, TValue> source)
        where TKey : notnull
    {
        private bool _copied;

        public Dictionary<TKey, TValue> Current { get; private set; } = source;

        public Dictionary<TKey, TValue> Write
        {
            get
            {
                if (!_copied)
                {
                    Current = new Dictionary<TKey, TValue>(Current, Current.Comparer);
                    _copied = true;
                }

                return Current;
            }
        }
    }
}
