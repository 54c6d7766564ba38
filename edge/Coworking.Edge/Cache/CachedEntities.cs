using System.Buffers.Binary;
using System.Security.Cryptography;
using Coworking.Proto.V1;

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

/// <summary>A credential as the edge holds it; the hub's message is kept (internal) for persisting.</summary>
public sealed record CachedCredential(string Id, string HolderId, CredentialKind Kind, CardKey? Card, PinHash? Pin, bool Revoked)
{
    internal CredentialUpsert Source { get; init; } = new();
}

public sealed record CachedHolder(string Id, HolderStatus Status)
{
    internal HolderUpsert Source { get; init; } = new();
}

/// <summary>A grant with its doors as slots of the index's door table, so covering a door is one bit test.</summary>
public sealed record CachedGrant(
    string Id,
    string HolderId,
    string? CredentialId,
    bool AllDoors,
    long ValidFromUtcTicks,
    long ValidUntilUtcTicks,
    WeeklySchedule Schedule)
{
    internal ulong[] DoorSlots { get; init; } = [];

    internal GrantUpsert Source { get; init; } = new();

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

    internal DoorUpsert Source { get; init; } = new();
}

public sealed record LocationPolicy(string LocationId, string Name, TimeZoneInfo TimeZone, WeeklySchedule StaffedHours)
{
    internal ReadOnlyMemory<byte> PinKey { get; init; }

    internal LocationUpsert Source { get; init; } = new();
}
