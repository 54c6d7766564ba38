using System.Text.Json;
using Coworking.Hub.Access;
using Coworking.Hub.Database;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Doors;

/// <summary>What a door-control write came to.</summary>
internal enum ControlWrite
{
    Done,

    /// <summary>No such door, area, lockdown or location (or not this location's).</summary>
    NotFound,

    /// <summary>A member named in the access roles is not one of the organisation's.</summary>
    UnknownMember,

    /// <summary>The lockdown was lifted already.</summary>
    AlreadyLifted,
}

/// <summary>
/// Door control at the hub (docs/API.md "Door control"): each door's policy and hours, lockdowns, and who a lockdown
/// admits. Every write appends the entries the edges need in the same transaction (<see cref="DoorChanges"/>).
/// The caller has checked the location is the caller's.
/// </summary>
internal sealed class DoorControlStore(TenantDataSource db, TimeProvider time)
{
    public async Task<DoorControlResponse?> GetControlAsync(Guid locationId, Guid doorId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        return await ReadControlAsync(conn, tx, locationId, doorId, cancellationToken);
    }

    /// <summary>Replaces the door's control and tells the edges; null when there is no such door.</summary>
    public async Task<DoorControlResponse?> SetControlAsync(Guid locationId, Guid doorId, DoorControlRequest control, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        await DoorChanges.LockLocationAsync(conn, tx, locationId, cancellationToken);
        var updated = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE doors SET credential_policy = @policy, accept_hours = @acceptHours::jsonb, unlocked_hours = @unlockedHours::jsonb,
                             first_person_in = @firstPersonIn
            WHERE id = @doorId AND location_id = @locationId AND removed_at IS NULL
            """,
            new
            {
                doorId, locationId, policy = control.CredentialPolicy!.Value.ToDb(), acceptHours = Json(control.AcceptHours),
                unlockedHours = Json(control.UnlockedHours), firstPersonIn = control.FirstPersonIn ?? false,
            },
            tx,
            cancellationToken: cancellationToken));
        if (updated == 0 || await DoorChanges.DoorAsync(conn, tx, locationId, doorId, cancellationToken) is not { } change)
        {
            return null;
        }

        await ChangeLog.AppendAsync(conn, tx, [change], now, cancellationToken);
        var response = await ReadControlAsync(conn, tx, locationId, doorId, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return response;
    }

    public async Task<(ControlWrite Outcome, LockdownResponse? Lockdown)> StartLockdownAsync(
        Guid locationId, LockdownScope scope, Guid? areaId, Guid? doorId, string reason, string actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        await DoorChanges.LockLocationAsync(conn, tx, locationId, cancellationToken);
        var inserted = await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO lockdowns (id, location_id, scope, area_id, door_id, reason, started_by, started_at)
            SELECT @id, @locationId, @scope, @areaId, @doorId, @reason, @actor, @now
            WHERE (@areaId::uuid IS NULL OR EXISTS (SELECT 1 FROM areas WHERE id = @areaId AND location_id = @locationId AND removed_at IS NULL FOR KEY SHARE))
              AND (@doorId::uuid IS NULL OR EXISTS (SELECT 1 FROM doors WHERE id = @doorId AND location_id = @locationId AND removed_at IS NULL))
            """,
            new { id, locationId, scope = scope.ToDb(), areaId, doorId, reason, actor, now },
            tx,
            cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            return (ControlWrite.NotFound, null);
        }

        await ChangeLog.AppendAsync(conn, tx, [await DoorChanges.ControlAsync(conn, tx, locationId, cancellationToken)], now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return (ControlWrite.Done, new LockdownResponse(id, locationId, scope, areaId, doorId, reason, actor, now, null, null));
    }

    public async Task<(ControlWrite Outcome, LockdownResponse? Lockdown)> LiftLockdownAsync(Guid locationId, Guid lockdownId, string actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        await DoorChanges.LockLocationAsync(conn, tx, locationId, cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<DoorChanges.LockdownRow>(new CommandDefinition(
            $"{DoorChanges.LockdownRow.Select} WHERE id = @lockdownId AND location_id = @locationId FOR UPDATE",
            new { lockdownId, locationId },
            tx,
            cancellationToken: cancellationToken));
        if (row is null)
        {
            return (ControlWrite.NotFound, null);
        }

        if (row.LiftedAt is not null)
        {
            return (ControlWrite.AlreadyLifted, row.ToResponse());
        }

        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE lockdowns SET lifted_by = @actor, lifted_at = @now WHERE id = @lockdownId",
            new { lockdownId, actor, now },
            tx,
            cancellationToken: cancellationToken));
        await ChangeLog.AppendAsync(conn, tx, [await DoorChanges.ControlAsync(conn, tx, locationId, cancellationToken)], now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return (ControlWrite.Done, row.ToResponse() with { LiftedBy = actor, LiftedAt = now });
    }

    public async Task<IReadOnlyList<LockdownResponse>> ListLockdownsAsync(Guid locationId, bool activeOnly, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<DoorChanges.LockdownRow>(new CommandDefinition(
            $"{DoorChanges.LockdownRow.Select} WHERE location_id = @locationId AND (NOT @activeOnly OR lifted_at IS NULL) ORDER BY started_at DESC, id DESC LIMIT 200",
            new { locationId, activeOnly },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToResponse())];
    }

    public async Task<LockdownResponse?> GetLockdownAsync(Guid locationId, Guid lockdownId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<DoorChanges.LockdownRow>(new CommandDefinition(
            $"{DoorChanges.LockdownRow.Select} WHERE id = @lockdownId AND location_id = @locationId",
            new { lockdownId, locationId },
            cancellationToken: cancellationToken));
        return row?.ToResponse();
    }

    public async Task<AccessRoles> GetRolesAsync(Guid locationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var roles = (await conn.QueryAsync<(string Role, Guid MemberId)>(new CommandDefinition(
            "SELECT role, member_id FROM location_access_roles WHERE location_id = @locationId ORDER BY role, member_id",
            new { locationId },
            cancellationToken: cancellationToken))).ToList();
        return new AccessRoles(
            [.. roles.Where(r => r.Role == "staff").Select(r => r.MemberId)],
            [.. roles.Where(r => r.Role == "first_responder").Select(r => r.MemberId)]);
    }

    /// <summary>Replaces the location's access roles; <see cref="ControlWrite.UnknownMember"/> with the first member not of the organisation.</summary>
    public async Task<(ControlWrite Outcome, Guid? UnknownMember)> SetRolesAsync(Guid organisationId, Guid locationId, AccessRoles roles, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var staff = (roles.Staff ?? []).Distinct().ToArray();
        var responders = (roles.FirstResponders ?? []).Distinct().ToArray();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var known = (await conn.QueryAsync<Guid>(new CommandDefinition(
            "SELECT id FROM members WHERE organisation_id = @organisationId AND id = ANY(@ids)",
            new { organisationId, ids = staff.Concat(responders).Distinct().ToArray() },
            tx,
            cancellationToken: cancellationToken))).ToHashSet();
        if (staff.Concat(responders).Where(id => !known.Contains(id)).Select(id => (Guid?)id).FirstOrDefault() is { } unknown)
        {
            return (ControlWrite.UnknownMember, unknown);
        }

        await DoorChanges.LockLocationAsync(conn, tx, locationId, cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM location_access_roles WHERE location_id = @locationId;
            INSERT INTO location_access_roles (location_id, role, member_id)
            SELECT @locationId, 'staff', unnest(@staff::uuid[])
            UNION ALL SELECT @locationId, 'first_responder', unnest(@responders::uuid[]);
            """,
            new { locationId, staff, responders },
            tx,
            cancellationToken: cancellationToken));
        await ChangeLog.AppendAsync(conn, tx, [await DoorChanges.ControlAsync(conn, tx, locationId, cancellationToken)], now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return (ControlWrite.Done, null);
    }

    private static string? Json(Locations.StaffedHours? hours) => hours is null ? null : JsonSerializer.Serialize(hours, DoorChanges.HoursJson);

    private static async Task<DoorControlResponse?> ReadControlAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid locationId, Guid doorId, CancellationToken cancellationToken)
    {
        var row = await conn.QuerySingleOrDefaultAsync<DoorChanges.DoorRow>(new CommandDefinition(
            $"{DoorChanges.DoorRow.Select} WHERE id = @doorId AND location_id = @locationId AND removed_at IS NULL",
            new { doorId, locationId },
            tx,
            cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }

        var lockdown = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            """
            SELECT EXISTS (SELECT 1 FROM lockdowns WHERE location_id = @locationId AND lifted_at IS NULL
                             AND (scope = 'location' OR area_id = @areaId OR door_id = @doorId))
            """,
            new { locationId, areaId = row.AreaId, doorId },
            tx,
            cancellationToken: cancellationToken));
        return new DoorControlResponse(doorId, locationId, row.Policy, DoorChanges.ReadHours(row.AcceptHours), DoorChanges.ReadHours(row.UnlockedHours),
            row.FirstPersonIn, lockdown);
    }
}
