using System.Security.Cryptography;
using System.Text;
using Coworking.Proto.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Coworking.Hub.Access;

/// <summary>Builds the change-log entries for the hub's records (proto/coworking/v1/changes.proto).</summary>
internal static class Changes
{
    public static Change Location(Guid locationId, string name, string timeZone, IEnumerable<WeeklyWindow> staffedHours, byte[] pinKey) => new()
    {
        Location = new LocationUpsert
        {
            LocationId = locationId.ToString(),
            Name = name,
            TimeZone = timeZone,
            StaffedHours = { staffedHours },
            PinKey = ByteString.CopyFrom(pinKey),
        },
    };

    public static Change Door(Guid doorId, Guid areaId, string name, FailMode failMode, int unlockMs, int heldOpenLimitSeconds) => new()
    {
        Door = new DoorUpsert
        {
            DoorId = doorId.ToString(),
            AreaId = areaId.ToString(),
            Name = name,
            FailMode = failMode,
            UnlockMs = unlockMs,
            HeldOpenLimitS = heldOpenLimitSeconds,
            CredentialPolicy = CredentialPolicy.CardOrPin,
        },
    };

    public static Change DoorRemoved(Guid doorId) => new() { DoorRemoved = new DoorRemoved { DoorId = doorId.ToString() } };

    public static Change Holder(Guid memberId, HolderStatus status) => new()
    {
        Holder = new HolderUpsert { HolderId = memberId.ToString(), Status = status },
    };

    public static Change Card(Guid credentialId, Guid memberId, int facilityCode, ulong cardNumber) => new()
    {
        Credential = new CredentialUpsert
        {
            CredentialId = credentialId.ToString(),
            HolderId = memberId.ToString(),
            Kind = CredentialKind.Card,
            FacilityCode = (uint)facilityCode,
            CardNumber = cardNumber,
        },
    };

    public static Change Pin(Guid credentialId, Guid memberId, byte[] pinHash) => new()
    {
        Credential = new CredentialUpsert
        {
            CredentialId = credentialId.ToString(),
            HolderId = memberId.ToString(),
            Kind = CredentialKind.Pin,
            PinHash = ByteString.CopyFrom(pinHash),
        },
    };

    public static Change CredentialRevoked(Guid credentialId) => new()
    {
        CredentialRevoked = new CredentialRevoked { CredentialId = credentialId.ToString() },
    };

    /// <summary>
    /// An active member's membership grant at its home location: every door, from <paramref name="validFrom"/> until
    /// <paramref name="validUntil"/> (the end of the paid period plus the location's grace, so an edge cut off from the hub
    /// stops admitting a member whose renewal was never paid); at all hours unless a <paramref name="schedule"/> is given.
    /// </summary>
    public static Change MembershipGrant(
        Guid memberId, Guid locationId, DateTimeOffset validFrom, DateTimeOffset validUntil, IEnumerable<WeeklyWindow>? schedule = null) => new()
    {
        Grant = new GrantUpsert
        {
            GrantId = MembershipGrantId(memberId, locationId).ToString(),
            HolderId = memberId.ToString(),
            AllDoors = true,
            ValidFrom = Timestamp.FromDateTimeOffset(validFrom),
            ValidUntil = Timestamp.FromDateTimeOffset(validUntil),
            Schedule = { schedule ?? [] },
        },
    };

    /// <summary>
    /// A booking's or visitor's pass: the doors given, from <paramref name="validFrom"/> until
    /// <paramref name="validUntil"/>, for the pass holder's own credentials (ARCHITECTURE §3). The grant id is
    /// the holder's id: a pass has one grant.
    /// </summary>
    public static Change PassGrant(Guid passHolderId, IEnumerable<Guid> doorIds, bool allDoors, DateTimeOffset validFrom, DateTimeOffset validUntil) => new()
    {
        Grant = new GrantUpsert
        {
            GrantId = passHolderId.ToString(),
            HolderId = passHolderId.ToString(),
            DoorIds = { doorIds.Select(d => d.ToString()) },
            AllDoors = allDoors,
            ValidFrom = Timestamp.FromDateTimeOffset(validFrom),
            ValidUntil = Timestamp.FromDateTimeOffset(validUntil),
        },
    };


    /// <summary>
    /// The same member and location always give the same grant id (an RFC 9562 version 8 UUID from
    /// SHA-256), so a reinstatement replaces the grant a suspension removed.
    /// </summary>
    public static Guid MembershipGrantId(Guid memberId, Guid locationId)
    {
        var hash = SHA256.HashData(Encoding.ASCII.GetBytes($"membership:{memberId:N}:{locationId:N}"));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
