using System.Security.Cryptography;
using System.Text;
using Coworking.Proto.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Coworking.Testing;

/// <summary>Writes a location's change log the way the hub would: seq grows by one per change.</summary>
public sealed class ChangeLog(string locationId = ChangeLog.LocationId)
{
    public const string LocationId = "loc-1";

    public static readonly byte[] PinKey = Encoding.ASCII.GetBytes("test-pin-key-0123456789abcdef");

    public long Seq { get; private set; }

    public ChangeBatch Batch(params Change[] changes)
    {
        var batch = new ChangeBatch { LocationId = locationId };
        foreach (var change in changes)
        {
            change.Seq = ++Seq;
            batch.Changes.Add(change);
        }

        batch.LastSeq = Seq;
        return batch;
    }

    public static Change Location(string timeZone = "Europe/London", params WeeklyWindow[] staffed)
    {
        var location = new LocationUpsert { LocationId = LocationId, Name = "Test building", TimeZone = timeZone, PinKey = ByteString.CopyFrom(PinKey) };
        location.StaffedHours.AddRange(staffed);
        return new Change { Location = location };
    }

    public static Change Door(string doorId, bool lockdown = false, bool cardAndPin = false, FailMode failMode = FailMode.Secure,
        int unlockMs = 5000, int heldOpenLimitS = 30, params WeeklyWindow[] schedule)
    {
        var door = new DoorUpsert
        {
            DoorId = doorId, Name = doorId, FailMode = failMode, UnlockMs = unlockMs, HeldOpenLimitS = heldOpenLimitS,
            Lockdown = lockdown, CardAndPin = cardAndPin,
        };
        door.Schedule.AddRange(schedule);
        return new Change { Door = door };
    }

    /// <summary>A door as a hub with door control describes it: its credential policy, area and unlocked hours.</summary>
    public static Change ControlledDoor(string doorId, CredentialPolicy policy, string areaId = "", bool firstPersonIn = false, params WeeklyWindow[] unlockedHours)
    {
        var door = new DoorUpsert
        {
            DoorId = doorId, AreaId = areaId, Name = doorId, FailMode = FailMode.Secure, UnlockMs = 5000, HeldOpenLimitS = 30,
            CredentialPolicy = policy, CardAndPin = policy == CredentialPolicy.CardAndPin, FirstPersonIn = firstPersonIn,
        };
        door.UnlockedHours.AddRange(unlockedHours);
        return new Change { Door = door };
    }

    /// <summary>The location's door control: lockdowns in force (each over the doors or areas given, or all), exempt holders and staff.</summary>
    public static Change DoorControl(IEnumerable<Lockdown>? lockdowns = null, IEnumerable<string>? exempt = null, IEnumerable<string>? staff = null)
    {
        var control = new DoorControlUpsert();
        control.Lockdowns.AddRange(lockdowns ?? []);
        control.LockdownExemptHolderIds.AddRange(exempt ?? []);
        control.StaffHolderIds.AddRange(staff ?? []);
        return new Change { DoorControl = control };
    }

    public static Lockdown LockdownOf(string lockdownId, bool allDoors = false, string[]? areas = null, string[]? doors = null) =>
        new() { LockdownId = lockdownId, AllDoors = allDoors, AreaIds = { areas ?? [] }, DoorIds = { doors ?? [] }, Reason = "test" };

    public static Change Holder(string holderId, HolderStatus status = HolderStatus.Active) =>
        new() { Holder = new HolderUpsert { HolderId = holderId, Status = status } };

    public static Change Card(string credentialId, string holderId, uint facilityCode, ulong cardNumber) =>
        new() { Credential = new CredentialUpsert { CredentialId = credentialId, HolderId = holderId, Kind = CredentialKind.Card, FacilityCode = facilityCode, CardNumber = cardNumber } };

    public static Change Pin(string credentialId, string holderId, string digits) =>
        new() { Credential = new CredentialUpsert { CredentialId = credentialId, HolderId = holderId, Kind = CredentialKind.Pin, PinHash = ByteString.CopyFrom(HMACSHA256.HashData(PinKey, Encoding.ASCII.GetBytes(digits))) } };

    public static Change Revoke(string credentialId) => new() { CredentialRevoked = new CredentialRevoked { CredentialId = credentialId } };

    public static Change Grant(string grantId, string holderId, string[]? doors = null, DateTimeOffset? from = null, DateTimeOffset? until = null,
        string? credentialId = null, params WeeklyWindow[] schedule)
    {
        var grant = new GrantUpsert
        {
            GrantId = grantId,
            HolderId = holderId,
            CredentialId = credentialId ?? "",
            AllDoors = doors is null,
            ValidFrom = from is { } f ? Timestamp.FromDateTimeOffset(f) : null,
            ValidUntil = until is { } u ? Timestamp.FromDateTimeOffset(u) : null,
        };
        grant.DoorIds.AddRange(doors ?? []);
        grant.Schedule.AddRange(schedule);
        return new Change { Grant = grant };
    }

    public static Change RemoveGrant(string grantId) => new() { GrantRemoved = new GrantRemoved { GrantId = grantId } };

    public static Change RemoveHolder(string holderId) => new() { HolderRemoved = new HolderRemoved { HolderId = holderId } };

    public static Change RemoveDoor(string doorId) => new() { DoorRemoved = new DoorRemoved { DoorId = doorId } };

    public static WeeklyWindow Window(DayOfWeek day, int startHour, int startMinute, int endHour, int endMinute) =>
        new() { Weekday = (int)day, StartMinute = (startHour * 60) + startMinute, EndMinute = (endHour * 60) + endMinute };
}
