using System.Buffers.Binary;
using System.Security.Cryptography;
using Coworking.Proto.V1;
using Google.Protobuf;

namespace Coworking.Edge.Cache;

/// <summary>A card as a reader reports it. ToString masks the number: card numbers never reach a log.</summary>
public readonly record struct CardKey(uint FacilityCode, ulong CardNumber)
{
    public override string ToString() => $"card fc={FacilityCode} #…{CardNumber % 100:00}";
}

/// <summary>The keyed hash of PIN digits (HMAC-SHA256 with the location's pin_key).</summary>
public readonly record struct PinHash(ulong A, ulong B, ulong C, ulong D)
{
    public const int Length = 32;

    public static bool TryRead(ReadOnlySpan<byte> hash, out PinHash pinHash)
    {
        pinHash = default;
        if (hash.Length != Length)
        {
            return false;
        }

        pinHash = new PinHash(
            BinaryPrimitives.ReadUInt64BigEndian(hash),
            BinaryPrimitives.ReadUInt64BigEndian(hash[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(hash[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(hash[24..]));
        return true;
    }

    /// <summary>Hashes typed digits; anything but 1 to 16 ASCII digits has no hash.</summary>
    public static bool TryCompute(ReadOnlySpan<byte> pinKey, ReadOnlySpan<char> digits, out PinHash pinHash)
    {
        pinHash = default;
        if (digits.Length is 0 or > 16)
        {
            return false;
        }

        Span<byte> text = stackalloc byte[16];
        for (var i = 0; i < digits.Length; i++)
        {
            if (!char.IsAsciiDigit(digits[i]))
            {
                return false;
            }

            text[i] = (byte)digits[i];
        }

        Span<byte> hash = stackalloc byte[Length];
        HMACSHA256.HashData(pinKey, text[..digits.Length], hash);
        return TryRead(hash, out pinHash);
    }

    public override string ToString() => "pin-hash";
}

/// <summary>
/// A credential as the edge holds it: ids as <see cref="EntityId"/>s, the card or PIN hash inline. Nothing of
/// the hub's message is kept; <see cref="ToUpsert"/> gives it back, since every field of it is here.
/// </summary>
public sealed class CachedCredential
{
    // A card is (_a: number, _b: facility code); a PIN hash is the four words.
    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;

    internal CachedCredential(EntityId key, EntityId holderKey, CardKey card)
    {
        Key = key;
        HolderKey = holderKey;
        Kind = CredentialKind.Card;
        (_a, _b) = (card.CardNumber, card.FacilityCode);
    }

    internal CachedCredential(EntityId key, EntityId holderKey, PinHash pin)
    {
        Key = key;
        HolderKey = holderKey;
        Kind = CredentialKind.Pin;
        (_a, _b, _c, _d) = (pin.A, pin.B, pin.C, pin.D);
    }

    private CachedCredential(CachedCredential other, bool revoked)
    {
        Key = other.Key;
        HolderKey = other.HolderKey;
        Kind = other.Kind;
        (_a, _b, _c, _d) = (other._a, other._b, other._c, other._d);
        Revoked = revoked;
    }

    internal EntityId Key { get; }

    internal EntityId HolderKey { get; }

    public string Id => Key.ToString();

    public string HolderId => HolderKey.ToString();

    public CredentialKind Kind { get; }

    public bool Revoked { get; }

    public CardKey? Card => Kind == CredentialKind.Card ? new CardKey((uint)_b, _a) : null;

    public PinHash? Pin => Kind == CredentialKind.Pin ? new PinHash(_a, _b, _c, _d) : null;

    internal CachedCredential AsRevoked() => new(this, revoked: true);

    internal CredentialUpsert ToUpsert()
    {
        var upsert = new CredentialUpsert { CredentialId = Id, HolderId = HolderId, Kind = Kind };
        if (Kind == CredentialKind.Card)
        {
            (upsert.FacilityCode, upsert.CardNumber) = ((uint)_b, _a);
        }
        else
        {
            Span<byte> hash = stackalloc byte[PinHash.Length];
            BinaryPrimitives.WriteUInt64BigEndian(hash, _a);
            BinaryPrimitives.WriteUInt64BigEndian(hash[8..], _b);
            BinaryPrimitives.WriteUInt64BigEndian(hash[16..], _c);
            BinaryPrimitives.WriteUInt64BigEndian(hash[24..], _d);
            upsert.PinHash = ByteString.CopyFrom(hash);
        }

        return upsert;
    }
}

/// <summary>
/// A holder, the grants that name it and the ids of its credentials (so removing the holder drops them all). A grant
/// or credential may name a holder the edge has not (yet) been told of: the holder is then kept only to list them,
/// and is not <see cref="Present"/>.
/// </summary>
public sealed class CachedHolder
{
    internal CachedHolder(EntityId key, HolderStatus status, bool present, CachedGrant[] grants, EntityId[] credentials)
    {
        Key = key;
        Status = status;
        Present = present;
        Grants = grants;
        Credentials = credentials;
    }

    internal EntityId Key { get; }

    public string Id => Key.ToString();

    public HolderStatus Status { get; }

    /// <summary>The hub has described this holder (a holder change was applied).</summary>
    internal bool Present { get; }

    internal CachedGrant[] Grants { get; }

    internal EntityId[] Credentials { get; }

    /// <summary>Nothing names this holder and the hub never described it: the entry can go.</summary>
    internal bool IsUnused => !Present && Grants.Length == 0 && Credentials.Length == 0;

    internal bool IsActive => Present && Status == HolderStatus.Active;
}

/// <summary>A grant with its doors as slots of the index's door table, so covering a door is one bit test.</summary>
public sealed class CachedGrant
{
    internal CachedGrant(EntityId key, EntityId holderKey, EntityId credentialKey, bool allDoors, long validFromUtcTicks, long validUntilUtcTicks,
        WeeklySchedule schedule, ulong[] doorSlots)
    {
        Key = key;
        HolderKey = holderKey;
        CredentialKey = credentialKey;
        AllDoors = allDoors;
        ValidFromUtcTicks = validFromUtcTicks;
        ValidUntilUtcTicks = validUntilUtcTicks;
        Schedule = schedule;
        DoorSlots = doorSlots;
    }

    internal EntityId Key { get; }

    internal EntityId HolderKey { get; }

    /// <summary>The one credential the grant is limited to; <see cref="EntityId.None"/> for any of the holder's.</summary>
    internal EntityId CredentialKey { get; }

    public string Id => Key.ToString();

    public string HolderId => HolderKey.ToString();

    public string? CredentialId => CredentialKey.IsNone ? null : CredentialKey.ToString();

    public bool AllDoors { get; }

    public long ValidFromUtcTicks { get; }

    public long ValidUntilUtcTicks { get; }

    public WeeklySchedule Schedule { get; }

    internal ulong[] DoorSlots { get; }

    public bool Covers(int doorSlot) =>
        AllDoors || (doorSlot >= 0 && (doorSlot >> 6) < DoorSlots.Length && (DoorSlots[doorSlot >> 6] & (1UL << (doorSlot & 63))) != 0);
}

public sealed record DoorPolicy(
    string DoorId,
    string Name,
    FailMode FailMode,
    TimeSpan UnlockDuration,
    TimeSpan HeldOpenLimit,
    WeeklySchedule Schedule,
    bool Lockdown,
    bool CardAndPin)
{
    public static readonly TimeSpan DefaultUnlock = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultHeldOpenLimit = TimeSpan.FromSeconds(30);

    /// <summary>A door the hub has not described: fail-secure, default timings.</summary>
    public static DoorPolicy Unknown(string doorId) =>
        new(doorId, doorId, FailMode.Secure, DefaultUnlock, DefaultHeldOpenLimit, WeeklySchedule.AllHours, Lockdown: false, CardAndPin: false);

    /// <summary>Fail-safe only when the hub says so; anything else stays locked without the edge.</summary>
    public bool FailSafe => FailMode == FailMode.Safe;

    /// <summary>Which presentations the door accepts; from an older hub, <see cref="CardAndPin"/> decides.</summary>
    public CredentialPolicy Credentials { get; init; } = CardAndPin ? CredentialPolicy.CardAndPin : CredentialPolicy.CardOrPin;

    /// <summary>When the strike stays released without a badge; null for never.</summary>
    public WeeklySchedule? UnlockedHours { get; init; }

    /// <summary>The unlocked hours begin only after a staff holder was granted here inside them.</summary>
    public bool FirstPersonIn { get; init; }

    public bool AcceptsCard => Credentials is CredentialPolicy.Card or CredentialPolicy.CardOrPin or CredentialPolicy.CardAndPin;

    public bool AcceptsPinAlone => Credentials is CredentialPolicy.CardOrPin or CredentialPolicy.Pin;

    /// <summary>Who drives the lock: the edge's own hardware, or a vendor's cloud through a bridge (Bridges/).</summary>
    public DoorController Controller { get; init; } = DoorController.Edge;

    /// <summary>The vendor's site of the lock (Salto KS, Brivo); empty otherwise.</summary>
    public string VendorSiteId { get; init; } = "";

    /// <summary>The vendor's lock (Kisi lock, Salto KS lock, Brivo access point); empty for the edge's own doors.</summary>
    public string VendorLockId { get; init; } = "";

    /// <summary>The hub's area id, kept only to write the door back out.</summary>
    internal string AreaId { get; init; } = "";
}

public sealed record LocationPolicy(string LocationId, string Name, TimeZoneInfo TimeZone, WeeklySchedule StaffedHours)
{
    internal ReadOnlyMemory<byte> PinKey { get; init; }

    /// <summary>The time zone as the hub named it.</summary>
    internal string TimeZoneName { get; init; } = "";
}

/// <summary>One lockdown in force, as the hub sent it.</summary>
public sealed record LockdownPolicy(string LockdownId, bool AllDoors, IReadOnlySet<string> AreaIds, IReadOnlySet<string> DoorIds, string Reason, DateTimeOffset StartedAt)
{
    public bool Covers(DoorPolicy door) => AllDoors || DoorIds.Contains(door.DoorId) || (door.AreaId.Length > 0 && AreaIds.Contains(door.AreaId));

    internal Lockdown ToProto()
    {
        var lockdown = new Lockdown
        {
            LockdownId = LockdownId,
            AllDoors = AllDoors,
            Reason = Reason,
            StartedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(StartedAt),
        };
        lockdown.AreaIds.AddRange(AreaIds.Order(StringComparer.Ordinal));
        lockdown.DoorIds.AddRange(DoorIds.Order(StringComparer.Ordinal));
        return lockdown;
    }
}

/// <summary>
/// The location's door control beyond single doors: lockdowns in force, the holders they still admit, and the
/// staff whose badge opens a first-person-in door's unlocked hours.
/// </summary>
public sealed record DoorControlPolicy(IReadOnlyList<LockdownPolicy> Lockdowns, IReadOnlySet<EntityId> LockdownExempt, IReadOnlySet<EntityId> Staff)
{
    public static DoorControlPolicy None { get; } = new([], new HashSet<EntityId>(), new HashSet<EntityId>());

    /// <summary>The first lockdown that covers the door, or the door's own lockdown flag from an older hub.</summary>
    public LockdownPolicy? LockdownOf(DoorPolicy door)
    {
        foreach (var lockdown in Lockdowns)
        {
            if (lockdown.Covers(door))
            {
                return lockdown;
            }
        }

        return door.Lockdown ? DoorLockdown : null;
    }

    public bool IsLockedDown(DoorPolicy door) => LockdownOf(door) is not null;

    private static LockdownPolicy DoorLockdown { get; } =
        new("door", false, new HashSet<string>(), new HashSet<string>(), "door lockdown", DateTimeOffset.MinValue);

    internal DoorControlUpsert ToUpsert()
    {
        var upsert = new DoorControlUpsert();
        upsert.Lockdowns.AddRange(Lockdowns.Select(l => l.ToProto()));
        upsert.LockdownExemptHolderIds.AddRange(LockdownExempt.Select(h => h.ToString()).Order(StringComparer.Ordinal));
        upsert.StaffHolderIds.AddRange(Staff.Select(h => h.ToString()).Order(StringComparer.Ordinal));
        return upsert;
    }
}
