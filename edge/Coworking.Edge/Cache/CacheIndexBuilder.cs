using Coworking.Edge.Sensors;
using Coworking.Proto.V1;
using Google.Protobuf.WellKnownTypes;

namespace Coworking.Edge.Cache;

/// <summary>
/// Applies changes to a copy of an index. The large maps are partitioned (<see cref="PartitionedMap{TKey,TValue}"/>),
/// so a batch copies only the partitions it writes to, never 100,000 credentials; the door tables (a few
/// hundred entries) are copied on their first write. Order-independent: a grant may name a holder
/// or door that arrives later in the same batch. Built once.
/// </summary>
internal sealed class CacheIndexBuilder
{
    private readonly PartitionedMap<EntityId, CachedCredential>.Writer _credentials;
    private readonly PartitionedMap<CardKey, CachedCredential>.Writer _cards;
    private readonly PartitionedMap<PinHash, CachedCredential>.Writer _pins;
    private readonly PartitionedMap<EntityId, CachedHolder>.Writer _holders;
    private readonly PartitionedMap<EntityId, CachedGrant>.Writer _grants;
    private readonly CopyOnWrite<string, DoorPolicy> _doors;
    private readonly CopyOnWrite<string, int> _doorSlots;
    private readonly CopyOnWrite<string, SensorConfig> _sensors;
    private readonly CopyOnWrite<string, SensorGatewayConfig> _sensorGateways;
    private readonly IndexInterner _interner;
    private LocationPolicy? _location;
    private DoorControlPolicy _doorControl;
    private int _holderCount;

    /// <summary>A builder over <paramref name="index"/> that leaves it untouched.</summary>
    internal CacheIndexBuilder(CacheIndex index)
    {
        _location = index.Location;
        _doorControl = index.DoorControl;
        _credentials = index.CredentialMap.ToWriter();
        _cards = index.CardMap.ToWriter();
        _pins = index.PinMap.ToWriter();
        _holders = index.HolderMap.ToWriter();
        _holderCount = index.HolderCount;
        _grants = index.GrantMap.ToWriter();
        _doors = new(index.DoorMap);
        _doorSlots = new(index.DoorSlotMap);
        _sensors = new(index.SensorMap);
        _sensorGateways = new(index.SensorGatewayMap);
        _interner = index.Interner ?? new IndexInterner();
    }

    /// <summary>A builder of a new index from nothing (a snapshot, a reopen), filling its maps directly.</summary>
    private CacheIndexBuilder()
    {
        _credentials = PartitionedMap<EntityId, CachedCredential>.Empty.ToWriter();
        _cards = PartitionedMap<CardKey, CachedCredential>.Empty.ToWriter();
        _pins = PartitionedMap<PinHash, CachedCredential>.Empty.ToWriter();
        _holders = PartitionedMap<EntityId, CachedHolder>.Empty.ToWriter();
        _grants = PartitionedMap<EntityId, CachedGrant>.Empty.ToWriter();
        _doors = new([], owned: true);
        _doorSlots = new([], owned: true);
        _sensors = new([], owned: true);
        _sensorGateways = new([], owned: true);
        _interner = new IndexInterner();
        _doorControl = DoorControlPolicy.None;
    }

    public static CacheIndexBuilder Empty() => new();

    /// <summary>Applies one change, or leaves the index as it was and says why the change is unusable.</summary>
    public bool TryApply(Change change, out string? problem)
    {
        problem = change.KindCase switch
        {
            Change.KindOneofCase.Location => ApplyLocation(change.Location),
            Change.KindOneofCase.Door => ApplyDoor(change.Door),
            Change.KindOneofCase.DoorRemoved => RemoveDoor(change.DoorRemoved.DoorId),
            Change.KindOneofCase.Holder => ApplyHolder(change.Holder),
            Change.KindOneofCase.HolderRemoved => RemoveHolder(change.HolderRemoved.HolderId),
            Change.KindOneofCase.Credential => ApplyCredential(change.Credential),
            Change.KindOneofCase.CredentialRevoked => RevokeCredential(change.CredentialRevoked.CredentialId),
            Change.KindOneofCase.Grant => ApplyGrant(change.Grant),
            Change.KindOneofCase.GrantRemoved => RemoveGrant(change.GrantRemoved.GrantId),
            Change.KindOneofCase.DoorControl => ApplyDoorControl(change.DoorControl),
            Change.KindOneofCase.Sensor => ApplySensor(change.Sensor),
            Change.KindOneofCase.SensorRemoved => RemoveSensor(change.SensorRemoved.SensorId),
            Change.KindOneofCase.SensorGateway => ApplySensorGateway(change.SensorGateway),
            Change.KindOneofCase.SensorGatewayRemoved => RemoveSensorGateway(change.SensorGatewayRemoved.GatewayId),
            // The account itself comes beside the log (HubMessage.vendor_accounts); the marker only orders it.
            Change.KindOneofCase.VendorAccount => null,
            _ => "unknown change kind",
        };
        return problem is null;
    }

    public CacheIndex Build(long seq, string locationId) =>
        new(seq, locationId, _location, _credentials.Build(), _cards.Build(), _pins.Build(), _holders.Build(), _holderCount, _grants.Build(),
            _doors.Current, _doorSlots.Current, _interner, _doorControl, _sensors.Current, _sensorGateways.Current);

    private string? ApplySensor(SensorUpsert sensor)
    {
        if (!SensorConfigs.TryRead(sensor, out var config, out var problem))
        {
            return problem;
        }

        _sensors.Write[config.SensorId] = config;
        return null;
    }

    private string? RemoveSensor(string sensorId)
    {
        if (_sensors.Current.ContainsKey(sensorId))
        {
            _sensors.Write.Remove(sensorId);
        }

        return null;
    }

    private string? ApplySensorGateway(SensorGatewayUpsert gateway)
    {
        if (gateway.GatewayId.Length == 0 || gateway.Username.Length == 0)
        {
            return "sensor gateway without id or username";
        }

        if (!GatewayPasswords.IsWellFormed(gateway.PasswordVerifier))
        {
            return "sensor gateway with an unusable password verifier";
        }

        _sensorGateways.Write[gateway.GatewayId] = new SensorGatewayConfig(gateway.GatewayId, gateway.Username, gateway.PasswordVerifier);
        return null;
    }

    private string? RemoveSensorGateway(string gatewayId)
    {
        if (_sensorGateways.Current.ContainsKey(gatewayId))
        {
            _sensorGateways.Write.Remove(gatewayId);
        }

        return null;
    }

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
            TimeZoneName = location.TimeZone,
        };
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

        WeeklySchedule? unlocked = null;
        if (door.UnlockedHours.Count > 0)
        {
            if (!WeeklySchedule.TryCreate(door.UnlockedHours, out var hours, out problem))
            {
                return "door unlocked hours: " + problem;
            }

            unlocked = _interner.Intern(hours);
        }

        if (!System.Enum.IsDefined(door.CredentialPolicy))
        {
            return $"door credential policy {door.CredentialPolicy} is not known";
        }

        var unlock = door.UnlockMs > 0 ? TimeSpan.FromMilliseconds(door.UnlockMs) : DoorPolicy.DefaultUnlock;
        var heldOpen = door.HeldOpenLimitS > 0 ? TimeSpan.FromSeconds(door.HeldOpenLimitS) : DoorPolicy.DefaultHeldOpenLimit;
        var policy = new DoorPolicy(door.DoorId, door.Name, door.FailMode, unlock, heldOpen, _interner.Intern(schedule),
            door.Lockdown, door.CardAndPin) {
            AreaId = door.AreaId, UnlockedHours = unlocked, FirstPersonIn = door.FirstPersonIn,
            Controller = door.Controller == DoorController.Unspecified ? DoorController.Edge : door.Controller,
            VendorSiteId = door.VendorSiteId, VendorLockId = door.VendorLockId,
        };
        _doors.Write[door.DoorId] = door.CredentialPolicy == CredentialPolicy.Unspecified ? policy : policy with { Credentials = door.CredentialPolicy };
        SlotOf(door.DoorId);
        return null;
    }

    private string? ApplyDoorControl(DoorControlUpsert control)
    {
        var lockdowns = new List<LockdownPolicy>(control.Lockdowns.Count);
        foreach (var lockdown in control.Lockdowns)
        {
            if (lockdown.LockdownId.Length == 0 || (!lockdown.AllDoors && lockdown.AreaIds.Count == 0 && lockdown.DoorIds.Count == 0))
            {
                // A lockdown that covers nothing would be shown as in force and refuse nobody: refuse the whole change.
                return "lockdown without id or doors";
            }

            lockdowns.Add(new LockdownPolicy(lockdown.LockdownId, lockdown.AllDoors, lockdown.AreaIds.ToHashSet(StringComparer.Ordinal),
                lockdown.DoorIds.ToHashSet(StringComparer.Ordinal), lockdown.Reason, lockdown.StartedAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue));
        }

        _doorControl = new DoorControlPolicy(lockdowns, control.LockdownExemptHolderIds.Select(EntityId.Of).ToHashSet(),
            control.StaffHolderIds.Select(EntityId.Of).ToHashSet());
        return null;
    }

    private string? RemoveDoor(string doorId)
    {
        if (_doors.Current.ContainsKey(doorId))
        {
            _doors.Write.Remove(doorId);
        }

        return null;
    }

    private string? ApplyHolder(HolderUpsert holder)
    {
        if (holder.HolderId.Length == 0)
        {
            return "holder without id";
        }

        var key = EntityId.Of(holder.HolderId);
        var grants = Array.Empty<CachedGrant>();
        var credentials = Array.Empty<EntityId>();
        if (_holders.TryGetValue(key, out var old))
        {
            (grants, credentials) = (old.Grants, old.Credentials);
            _holderCount += old.Present ? 0 : 1;
        }
        else
        {
            _holderCount++;
        }

        _holders.Set(key, new CachedHolder(key, holder.Status, present: true, grants, credentials));
        return null;
    }

    /// <summary>Drops the holder with all its grants and credentials (revoked ones too); a holder the edge does not hold is no problem.</summary>
    private string? RemoveHolder(string holderId)
    {
        if (holderId.Length == 0)
        {
            return "holder removal without id";
        }

        var key = EntityId.Of(holderId);
        if (!_holders.TryGetValue(key, out var holder))
        {
            return null;
        }

        foreach (var grant in holder.Grants)
        {
            _grants.Remove(grant.Key);
        }

        foreach (var credentialKey in holder.Credentials)
        {
            if (_credentials.TryGetValue(credentialKey, out var credential))
            {
                UnindexCredential(credential);
                _credentials.Remove(credentialKey);
            }
        }

        _holderCount -= holder.Present ? 1 : 0;
        _holders.Remove(key);
        return null;
    }

    private string? ApplyCredential(CredentialUpsert credential)
    {
        if (credential.CredentialId.Length == 0 || credential.HolderId.Length == 0)
        {
            return "credential without id or holder";
        }

        var key = EntityId.Of(credential.CredentialId);
        var holderKey = EntityId.Of(credential.HolderId);
        switch (credential.Kind)
        {
            case CredentialKind.Card:
                PutCredential(new CachedCredential(key, holderKey, new CardKey(credential.FacilityCode, credential.CardNumber)));
                return null;
            case CredentialKind.Pin when PinHash.TryRead(credential.PinHash.Span, out var hash):
                PutCredential(new CachedCredential(key, holderKey, hash));
                return null;
            case CredentialKind.Pin:
                return $"PIN hash of {credential.PinHash.Length} bytes, expected {PinHash.Length}";
            default:
                return $"credential kind {credential.Kind}";
        }
    }

    private string? RevokeCredential(string credentialId)
    {
        if (!_credentials.TryGetValue(EntityId.Of(credentialId), out var credential))
        {
            return "revocation of a credential the edge does not hold";
        }

        PutCredential(credential.AsRevoked());
        return null;
    }

    private void PutCredential(CachedCredential credential)
    {
        if (_credentials.TryGetValue(credential.Key, out var old))
        {
            UnindexCredential(old);
            if (old.HolderKey != credential.HolderKey)
            {
                DetachCredential(old);
            }
        }

        AttachCredential(credential);
        _credentials.Set(credential.Key, credential);
        if (credential.Card is { } card)
        {
            _cards.Set(card, credential);
        }

        if (credential.Pin is { } pin)
        {
            _pins.Set(pin, credential);
        }
    }

    private void UnindexCredential(CachedCredential credential)
    {
        if (credential.Card is { } card && _cards.TryGetValue(card, out var byCard) && byCard.Key == credential.Key)
        {
            _cards.Remove(card);
        }

        if (credential.Pin is { } pin && _pins.TryGetValue(pin, out var byPin) && byPin.Key == credential.Key)
        {
            _pins.Remove(pin);
        }
    }

    private void AttachCredential(CachedCredential credential)
    {
        var holder = HolderEntry(credential.HolderKey);
        if (!holder.Credentials.Contains(credential.Key))
        {
            _holders.Set(holder.Key, new CachedHolder(holder.Key, holder.Status, holder.Present, holder.Grants, [.. holder.Credentials, credential.Key]));
        }
    }

    private void DetachCredential(CachedCredential credential)
    {
        if (_holders.TryGetValue(credential.HolderKey, out var holder))
        {
            Keep(new CachedHolder(holder.Key, holder.Status, holder.Present, holder.Grants, [.. holder.Credentials.Where(c => c != credential.Key)]));
        }
    }

    /// <summary>The holder's entry, or a new one that only lists what names it.</summary>
    private CachedHolder HolderEntry(EntityId key) =>
        _holders.TryGetValue(key, out var existing) ? existing : new CachedHolder(key, HolderStatus.Unspecified, present: false, [], []);

    private void Keep(CachedHolder holder)
    {
        if (holder.IsUnused)
        {
            _holders.Remove(holder.Key);
        }
        else
        {
            _holders.Set(holder.Key, holder);
        }
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

        var key = EntityId.Of(grant.GrantId);
        var cached = new CachedGrant(
            key,
            EntityId.Of(grant.HolderId),
            EntityId.Of(grant.CredentialId),
            grant.AllDoors,
            UtcTicksOf(grant.ValidFrom, DateTimeOffset.MinValue.UtcTicks),
            UtcTicksOf(grant.ValidUntil, DateTimeOffset.MaxValue.UtcTicks),
            _interner.Intern(schedule),
            _interner.Intern(slots));
        DetachGrant(key);
        _grants.Set(key, cached);
        var holder = HolderEntry(cached.HolderKey);
        _holders.Set(holder.Key, new CachedHolder(holder.Key, holder.Status, holder.Present, [.. holder.Grants, cached], holder.Credentials));
        return null;
    }

    private string? RemoveGrant(string grantId)
    {
        DetachGrant(EntityId.Of(grantId));
        return null;
    }

    private void DetachGrant(EntityId grantId)
    {
        if (!_grants.TryGetValue(grantId, out var old))
        {
            return;
        }

        _grants.Remove(grantId);
        var holder = _holders.TryGetValue(old.HolderKey, out var h) ? h : throw new InvalidOperationException("a grant's holder entry is missing");
        Keep(new CachedHolder(holder.Key, holder.Status, holder.Present, [.. holder.Grants.Where(g => g.Key != grantId)], holder.Credentials));
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

    private sealed class CopyOnWrite<TKey, TValue>(Dictionary<TKey, TValue> source, bool owned = false)
        where TKey : notnull
    {
        private bool _copied = owned;

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
