using System.Text.Json;
using Coworking.Hub.Access;
using Coworking.Hub.Database;
using Coworking.Hub.Locations;
using Coworking.Proto.V1;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace Coworking.Hub.Doors;

/// <summary>
/// The change-log entries of door control, always built from what the database holds now: a door's whole
/// DoorUpsert (basic fields and control), and the location's DoorControlUpsert (lockdowns in force and the
/// holders they admit). Whoever changes a door — its basic fields or its control — appends <see cref="DoorAsync"/>,
/// so no writer can drop the other's fields from what the edges hold.
/// </summary>
internal static class DoorChanges
{
    public static readonly JsonSerializerOptions HoursJson = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Locks the location's log counter for the rest of the transaction, so two door-control writers of one
    /// location build their entries one after the other and the later one sees the earlier one's rows.
    /// </summary>
    public static Task LockLocationAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid locationId, CancellationToken cancellationToken) =>
        conn.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM location_seq WHERE location_id = @locationId FOR UPDATE", new { locationId }, tx, cancellationToken: cancellationToken));

    /// <summary>The door as the edges should hold it; null when it is not a live door of the location.</summary>
    public static async Task<LocationChange?> DoorAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid locationId, Guid doorId, CancellationToken cancellationToken)
    {
        var row = await conn.QuerySingleOrDefaultAsync<DoorRow>(new CommandDefinition(
            $"{DoorRow.Select} WHERE id = @doorId AND location_id = @locationId AND removed_at IS NULL",
            new { doorId, locationId },
            tx,
            cancellationToken: cancellationToken));
        return row is null ? null : new LocationChange(locationId, row.ToChange());
    }

    /// <summary>The location's lockdowns in force and access roles, as one entry.</summary>
    public static async Task<LocationChange> ControlAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid locationId, CancellationToken cancellationToken)
    {
        var lockdowns = await conn.QueryAsync<LockdownRow>(new CommandDefinition(
            $"{LockdownRow.Select} WHERE location_id = @locationId AND lifted_at IS NULL ORDER BY started_at, id",
            new { locationId },
            tx,
            cancellationToken: cancellationToken));
        var roles = await conn.QueryAsync<(string Role, Guid MemberId)>(new CommandDefinition(
            "SELECT role, member_id FROM location_access_roles WHERE location_id = @locationId ORDER BY role, member_id",
            new { locationId },
            tx,
            cancellationToken: cancellationToken));
        var control = new DoorControlUpsert();
        foreach (var lockdown in lockdowns)
        {
            var entry = new Lockdown
            {
                LockdownId = lockdown.Id.ToString(),
                AllDoors = lockdown.Scope == "location",
                Reason = lockdown.Reason,
                StartedAt = Timestamp.FromDateTimeOffset(lockdown.StartedAt),
            };
            if (lockdown.AreaId is { } area)
            {
                entry.AreaIds.Add(area.ToString());
            }

            if (lockdown.DoorId is { } door)
            {
                entry.DoorIds.Add(door.ToString());
            }

            control.Lockdowns.Add(entry);
        }

        // Staff are admitted during a lockdown as first responders are; a holder in both is listed once.
        control.LockdownExemptHolderIds.AddRange(roles.Select(r => r.MemberId).Distinct().Order().Select(id => id.ToString()));
        control.StaffHolderIds.AddRange(roles.Where(r => r.Role == "staff").Select(r => r.MemberId.ToString()));
        return new LocationChange(locationId, new Change { DoorControl = control });
    }

    internal static Proto.V1.CredentialPolicy ToProto(DoorCredentialPolicy policy) => policy switch
    {
        DoorCredentialPolicy.Card => Proto.V1.CredentialPolicy.Card,
        DoorCredentialPolicy.CardAndPin => Proto.V1.CredentialPolicy.CardAndPin,
        DoorCredentialPolicy.Pin => Proto.V1.CredentialPolicy.Pin,
        _ => Proto.V1.CredentialPolicy.CardOrPin,
    };

    internal static StaffedHours? ReadHours(string? json) => json is null ? null : JsonSerializer.Deserialize<StaffedHours>(json, HoursJson);

    internal sealed record DoorRow
    {
        public const string Select =
            """
            SELECT id, location_id, area_id, name, fail_mode, unlock_ms, held_open_limit_s, credential_policy,
                   accept_hours::text AS accept_hours, unlocked_hours::text AS unlocked_hours, first_person_in,
                   controller, vendor_site_id, vendor_lock_id
            FROM doors
            """;

        public Guid Id { get; init; }

        public Guid LocationId { get; init; }

        public Guid AreaId { get; init; }

        public string Name { get; init; } = string.Empty;

        public string FailMode { get; init; } = string.Empty;

        public int UnlockMs { get; init; }

        public int HeldOpenLimitS { get; init; }

        public string CredentialPolicy { get; init; } = string.Empty;

        public string? AcceptHours { get; init; }

        public string? UnlockedHours { get; init; }

        public bool FirstPersonIn { get; init; }

        public string Controller { get; init; } = "edge";

        public string? VendorSiteId { get; init; }

        public string? VendorLockId { get; init; }

        public DoorCredentialPolicy Policy => DbText.Parse<DoorCredentialPolicy>(CredentialPolicy);

        public Change ToChange()
        {
            var policy = Policy;
            var door = new DoorUpsert
            {
                DoorId = Id.ToString(),
                AreaId = AreaId.ToString(),
                Name = Name,
                FailMode = DbText.Parse<DoorFailMode>(FailMode) == DoorFailMode.Safe ? Proto.V1.FailMode.Safe : Proto.V1.FailMode.Secure,
                UnlockMs = UnlockMs,
                HeldOpenLimitS = HeldOpenLimitS,
                CredentialPolicy = ToProto(policy),
                CardAndPin = policy == DoorCredentialPolicy.CardAndPin,
                FirstPersonIn = FirstPersonIn,
                Controller = Bridges.DoorControllers.ToProto(Controller),
                VendorSiteId = VendorSiteId ?? "",
                VendorLockId = VendorLockId ?? "",
            };
            door.Schedule.AddRange(ReadHours(AcceptHours)?.ToWeeklyWindows() ?? []);
            door.UnlockedHours.AddRange(ReadHours(UnlockedHours)?.ToWeeklyWindows() ?? []);
            return new Change { Door = door };
        }
    }

    internal sealed record LockdownRow
    {
        public const string Select =
            "SELECT id, location_id, scope, area_id, door_id, reason, started_by, started_at, lifted_by, lifted_at FROM lockdowns";

        public Guid Id { get; init; }

        public Guid LocationId { get; init; }

        public string Scope { get; init; } = string.Empty;

        public Guid? AreaId { get; init; }

        public Guid? DoorId { get; init; }

        public string Reason { get; init; } = string.Empty;

        public string StartedBy { get; init; } = string.Empty;

        public DateTimeOffset StartedAt { get; init; }

        public string? LiftedBy { get; init; }

        public DateTimeOffset? LiftedAt { get; init; }

        public LockdownResponse ToResponse() =>
            new(Id, LocationId, DbText.Parse<LockdownScope>(Scope), AreaId, DoorId, Reason, StartedBy, StartedAt, LiftedBy, LiftedAt);
    }
}
