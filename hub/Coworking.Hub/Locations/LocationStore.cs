using System.Text.Json;
using Coworking.Hub.Access;
using Coworking.Hub.Bookings;
using Coworking.Hub.Database;
using Coworking.Hub.Doors;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Locations;

public enum DoorFailMode
{
    /// <summary>Locked without power (the common case for perimeter doors).</summary>
    Secure,

    /// <summary>Unlocked without power (egress and fire-code doors).</summary>
    Safe,
}

public sealed record LocationResponse(
    Guid Id, string Name, string TimeZone, string Currency, string Country, StaffedHours StaffedHours, DateTimeOffset CreatedAt);

public sealed record AreaResponse(Guid Id, Guid LocationId, string Name, DateTimeOffset CreatedAt);

public sealed record DoorResponse(
    Guid Id, Guid LocationId, Guid AreaId, string Name, DoorFailMode FailMode, int UnlockMs, int HeldOpenLimitSeconds, DateTimeOffset CreatedAt);

internal sealed record NewLocation(string Name, string TimeZone, string Currency, string Country, StaffedHours StaffedHours);

internal sealed record NewDoor(Guid AreaId, string Name, DoorFailMode FailMode, int UnlockMs, int HeldOpenLimitSeconds);

/// <summary>The fields a location update sets; null leaves a field as it is.</summary>
internal sealed record LocationPatch(string? Name, string? TimeZone, string? Country, StaffedHours? StaffedHours);

/// <summary>The basic fields a door update sets; null leaves a field as it is.</summary>
internal sealed record DoorPatch(Guid? AreaId, string? Name, DoorFailMode? FailMode, int? UnlockMs, int? HeldOpenLimitSeconds);

/// <summary>What a door update came to.</summary>
internal enum DoorWrite
{
    Done,
    NotFound,

    /// <summary>The new area is not one of the location's.</summary>
    UnknownArea,
}

internal sealed class LocationStore(TenantDataSource db, TimeProvider time)
{
    private static readonly JsonSerializerOptions HoursJson = new(JsonSerializerDefaults.Web);

    public async Task<LocationResponse> CreateAsync(Guid organisationId, NewLocation location, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var pinKey = await conn.QuerySingleAsync<byte[]>(new CommandDefinition(
            """
            INSERT INTO locations (id, organisation_id, name, time_zone, currency, country, staffed_hours, created_at)
            VALUES (@id, @organisationId, @name, @timeZone, @currency, @country, @hours::jsonb, @now);
            SELECT pin_key FROM organisations WHERE id = @organisationId;
            """,
            new
            {
                id, organisationId, name = location.Name, timeZone = location.TimeZone, currency = location.Currency,
                country = location.Country, hours = JsonSerializer.Serialize(location.StaffedHours, HoursJson), now,
            },
            tx,
            cancellationToken: cancellationToken));
        await ChangeLog.StartAsync(conn, tx, id, cancellationToken);
        var change = Changes.Location(id, location.Name, location.TimeZone, location.StaffedHours.ToWeeklyWindows(), pinKey);
        await ChangeLog.AppendAsync(conn, tx, [new LocationChange(id, change)], now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return new LocationResponse(id, location.Name, location.TimeZone, location.Currency, location.Country, location.StaffedHours, now);
    }

    public async Task<IReadOnlyList<LocationResponse>> ListAsync(Guid organisationId, Guid[]? scope, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<LocationRow>(new CommandDefinition(
            $"{SelectLocations} WHERE organisation_id = @organisationId AND (@scope::uuid[] IS NULL OR id = ANY(@scope)) ORDER BY name, id",
            new { organisationId, scope },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToResponse())];
    }

    /// <summary>The location when it belongs to the organisation; whether the caller may see it is the caller's check.</summary>
    public async Task<LocationResponse?> GetAsync(Guid organisationId, Guid id, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<LocationRow>(new CommandDefinition(
            $"{SelectLocations} WHERE organisation_id = @organisationId AND id = @id",
            new { organisationId, id },
            cancellationToken: cancellationToken));
        return row?.ToResponse();
    }

    /// <summary>Which of <paramref name="ids"/> are not locations of the organisation.</summary>
    public async Task<IReadOnlyList<Guid>> MissingAsync(Guid organisationId, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var found = await conn.QueryAsync<Guid>(new CommandDefinition(
            "SELECT id FROM locations WHERE organisation_id = @organisationId AND id = ANY(@ids)",
            new { organisationId, ids = ids.ToArray() },
            cancellationToken: cancellationToken));
        return [.. ids.Except(found)];
    }

    public async Task<AreaResponse> CreateAreaAsync(Guid locationId, string name, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO areas (id, location_id, name, created_at) VALUES (@id, @locationId, @name, @now)",
            new { id, locationId, name, now },
            cancellationToken: cancellationToken));
        return new AreaResponse(id, locationId, name, now);
    }

    public async Task<IReadOnlyList<AreaResponse>> ListAreasAsync(Guid locationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<AreaRow>(new CommandDefinition(
            "SELECT id, location_id, name, created_at FROM areas WHERE location_id = @locationId AND removed_at IS NULL ORDER BY name, id",
            new { locationId },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new AreaResponse(r.Id, r.LocationId, r.Name, r.CreatedAt))];
    }

    /// <summary>Creates a door and tells the location's edges; null when the area is not in this location.</summary>
    public async Task<DoorResponse?> CreateDoorAsync(Guid locationId, NewDoor door, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var inserted = await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO doors (id, location_id, area_id, name, fail_mode, unlock_ms, held_open_limit_s, created_at)
            SELECT @id, @locationId, @areaId, @name, @failMode, @unlockMs, @heldOpenLimitSeconds, @now
            WHERE EXISTS (SELECT 1 FROM areas WHERE id = @areaId AND location_id = @locationId AND removed_at IS NULL FOR KEY SHARE)
            """,
            new { id, locationId, areaId = door.AreaId, name = door.Name, failMode = door.FailMode.ToDb(), door.UnlockMs, door.HeldOpenLimitSeconds, now },
            tx,
            cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            return null;
        }

        var failMode = door.FailMode == DoorFailMode.Safe ? Proto.V1.FailMode.Safe : Proto.V1.FailMode.Secure;
        var change = Changes.Door(id, door.AreaId, door.Name, failMode, door.UnlockMs, door.HeldOpenLimitSeconds);
        var regranted = await AreaPasses.RegrantAsync(conn, tx, door.AreaId, now, cancellationToken);
        await ChangeLog.AppendAsync(conn, tx, [new LocationChange(locationId, change), .. regranted], now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return new DoorResponse(id, locationId, door.AreaId, door.Name, door.FailMode, door.UnlockMs, door.HeldOpenLimitSeconds, now);
    }

    /// <summary>
    /// Removes a door: the grants of the area's live passes are worked out again without it, and a lockdown of that
    /// door alone is lifted by <paramref name="actor"/> (nothing is left to lock down), so neither the lockdown list nor
    /// an edge's cache keeps naming a door that is gone; false when there is no such door.
    /// </summary>
    public async Task<bool> RemoveDoorAsync(Guid locationId, Guid doorId, string actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var areaId = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "SELECT area_id FROM doors WHERE id = @doorId AND location_id = @locationId AND removed_at IS NULL",
            new { doorId, locationId },
            tx,
            cancellationToken: cancellationToken));
        if (areaId is not { } area)
        {
            return false;
        }

        // Locks in the order the booking path takes them (the area's resources, then the location's log).
        await LockResourcesAsync(conn, tx, [area], cancellationToken);
        await DoorChanges.LockLocationAsync(conn, tx, locationId, cancellationToken);
        if (await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE doors SET removed_at = @now WHERE id = @doorId AND location_id = @locationId AND area_id = @area AND removed_at IS NULL",
            new { doorId, locationId, area, now },
            tx,
            cancellationToken: cancellationToken)) != 1)
        {
            return false;
        }

        var regranted = await AccessCompiler.PassesOfAreaAsync(conn, tx, area, now, cancellationToken);
        var control = await LiftLockdownsAsync(conn, tx, locationId, null, [doorId], actor, now, cancellationToken);
        await ChangeLog.AppendAsync(conn, tx, [new LocationChange(locationId, Changes.DoorRemoved(doorId)), .. regranted, .. control], now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Removes an area with its doors and resources (all kept for their history): the edges drop the doors, every pass
    /// of the resources' bookings stops opening anything, and a lockdown of the area or of one of its doors is lifted
    /// by <paramref name="actor"/>, in one transaction; false when there is no such live area.
    /// </summary>
    public async Task<bool> RemoveAreaAsync(Guid locationId, Guid areaId, string actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);

        // The resources first, as the booking path locks them; then the area itself, which waits for a door or resource
        // being added to it to commit (their key-share lock) and then sees it; then the location's log.
        await LockResourcesAsync(conn, tx, [areaId], cancellationToken);
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM areas WHERE id = @areaId AND location_id = @locationId AND removed_at IS NULL FOR UPDATE)",
            new { areaId, locationId },
            tx,
            cancellationToken: cancellationToken)))
        {
            return false;
        }

        await LockResourcesAsync(conn, tx, [areaId], cancellationToken);
        await DoorChanges.LockLocationAsync(conn, tx, locationId, cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE areas SET removed_at = @now WHERE id = @areaId", new { areaId, now }, tx, cancellationToken: cancellationToken));
        var doors = (await conn.QueryAsync<Guid>(new CommandDefinition(
            "UPDATE doors SET removed_at = @now WHERE area_id = @areaId AND removed_at IS NULL RETURNING id", new { areaId, now }, tx, cancellationToken: cancellationToken))).ToArray();
        var resources = (await conn.QueryAsync<Guid>(new CommandDefinition(
            "UPDATE resources SET removed_at = @now WHERE area_id = @areaId AND removed_at IS NULL RETURNING id", new { areaId, now }, tx, cancellationToken: cancellationToken))).ToList();
        var changes = doors.Select(d => new LocationChange(locationId, Changes.DoorRemoved(d))).ToList();
        foreach (var resource in resources.Order())
        {
            changes.AddRange(await AccessCompiler.PassesOfResourceAsync(conn, tx, resource, cancellationToken));
        }

        changes.AddRange(await LiftLockdownsAsync(conn, tx, locationId, areaId, doors, actor, now, cancellationToken));
        await ChangeLog.AppendAsync(conn, tx, changes, now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    private static Task LockResourcesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid[] areas, CancellationToken cancellationToken) =>
        conn.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM resources WHERE area_id = ANY(@areas) ORDER BY id FOR NO KEY UPDATE", new { areas }, tx, cancellationToken: cancellationToken));

    /// <summary>Lifts the live lockdowns of the area or of the doors (nothing is left for them to lock); the control change when any was.</summary>
    private static async Task<IReadOnlyList<LocationChange>> LiftLockdownsAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid locationId, Guid? areaId, Guid[] doors, string actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lifted = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE lockdowns SET lifted_by = @actor, lifted_at = @now
            WHERE location_id = @locationId AND lifted_at IS NULL AND (area_id = @areaId OR door_id = ANY(@doors))
            """,
            new { locationId, areaId, doors, actor, now },
            tx,
            cancellationToken: cancellationToken));
        return lifted > 0 ? [await DoorChanges.ControlAsync(conn, tx, locationId, cancellationToken)] : [];
    }

    /// <summary>
    /// Changes a location's name, time zone, country or staffed hours and tells its edges; null when it is not the
    /// organisation's. New staffed hours change the membership grants of staffed-hours tiers: the access compiler works
    /// out the location's members again in the same transaction.
    /// </summary>
    public async Task<LocationResponse?> UpdateAsync(Guid organisationId, Guid id, LocationPatch patch, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<LocationRow>(new CommandDefinition(
            $"{SelectLocations} WHERE organisation_id = @organisationId AND id = @id FOR NO KEY UPDATE",
            new { organisationId, id },
            tx,
            cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }

        var before = row.ToResponse();
        var after = before with
        {
            Name = patch.Name ?? before.Name,
            TimeZone = patch.TimeZone ?? before.TimeZone,
            Country = patch.Country ?? before.Country,
            StaffedHours = patch.StaffedHours ?? before.StaffedHours,
        };
        var pinKey = await conn.QuerySingleAsync<byte[]>(new CommandDefinition(
            """
            UPDATE locations SET name = @Name, time_zone = @TimeZone, country = @Country, staffed_hours = @hours::jsonb WHERE id = @Id;
            SELECT pin_key FROM organisations WHERE id = @organisationId;
            """,
            new { after.Id, after.Name, after.TimeZone, after.Country, hours = JsonSerializer.Serialize(after.StaffedHours, HoursJson), organisationId },
            tx,
            cancellationToken: cancellationToken));
        var members = patch.StaffedHours is null
            ? []
            : (await conn.QueryAsync<Guid>(new CommandDefinition(
                "SELECT id FROM members WHERE home_location_id = @id", new { id }, tx, cancellationToken: cancellationToken))).ToList();
        var change = Changes.Location(id, after.Name, after.TimeZone, after.StaffedHours.ToWeeklyWindows(), pinKey);
        var regranted = await AccessCompiler.MembersAsync(conn, tx, members, cancellationToken);
        await ChangeLog.AppendAsync(conn, tx, [new LocationChange(id, change), .. regranted], now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return after;
    }

    /// <summary>One area of the location, or null.</summary>
    public async Task<AreaResponse?> GetAreaAsync(Guid locationId, Guid areaId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<AreaRow>(new CommandDefinition(
            "SELECT id, location_id, name, created_at FROM areas WHERE id = @areaId AND location_id = @locationId AND removed_at IS NULL",
            new { locationId, areaId },
            cancellationToken: cancellationToken));
        return row is null ? null : new AreaResponse(row.Id, row.LocationId, row.Name, row.CreatedAt);
    }

    /// <summary>Renames an area (the edges know areas by id only, so nothing is sent); null when it is not the location's.</summary>
    public async Task<AreaResponse?> RenameAreaAsync(Guid locationId, Guid areaId, string name, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<AreaRow>(new CommandDefinition(
            "UPDATE areas SET name = @name WHERE id = @areaId AND location_id = @locationId AND removed_at IS NULL RETURNING id, location_id, name, created_at",
            new { locationId, areaId, name },
            cancellationToken: cancellationToken));
        return row is null ? null : new AreaResponse(row.Id, row.LocationId, row.Name, row.CreatedAt);
    }

    /// <summary>One live door of the location, or null.</summary>
    public async Task<DoorResponse?> GetDoorAsync(Guid locationId, Guid doorId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<DoorRow>(new CommandDefinition(
            $"{SelectDoors} WHERE id = @doorId AND location_id = @locationId AND removed_at IS NULL",
            new { locationId, doorId },
            cancellationToken: cancellationToken));
        return row?.ToResponse();
    }

    /// <summary>
    /// Changes a door's basic fields and appends the whole door, control included, as <see cref="DoorChanges.DoorAsync"/>
    /// builds it from the database, so door control's fields are never dropped at the edges. A door moved to another
    /// area changes the grants of both areas' live passes.
    /// </summary>
    public async Task<(DoorWrite Outcome, DoorResponse? Door)> UpdateDoorAsync(Guid locationId, Guid doorId, DoorPatch patch, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var areaBefore = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "SELECT area_id FROM doors WHERE id = @doorId AND location_id = @locationId AND removed_at IS NULL",
            new { doorId, locationId },
            tx,
            cancellationToken: cancellationToken));
        if (areaBefore is not { } oldArea)
        {
            return (DoorWrite.NotFound, null);
        }

        var moved = patch.AreaId is { } newArea && newArea != oldArea;
        if (moved && await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT NOT EXISTS (SELECT 1 FROM areas WHERE id = @areaId AND location_id = @locationId AND removed_at IS NULL FOR KEY SHARE)",
            new { areaId = patch.AreaId, locationId },
            tx,
            cancellationToken: cancellationToken)))
        {
            return (DoorWrite.UnknownArea, null);
        }

        // Locks in the order the booking path takes them (the areas' resources, then the location's log), and door
        // control's (the location's log, then the door), so none of them waits on another in a circle.
        Guid[] areas = moved ? [oldArea, patch.AreaId!.Value] : [];
        await LockResourcesAsync(conn, tx, areas, cancellationToken);
        await DoorChanges.LockLocationAsync(conn, tx, locationId, cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<DoorRow>(new CommandDefinition(
            """
            UPDATE doors SET name = coalesce(@name, name), area_id = coalesce(@areaId, area_id), fail_mode = coalesce(@failMode, fail_mode),
                unlock_ms = coalesce(@unlockMs, unlock_ms), held_open_limit_s = coalesce(@heldOpenLimitSeconds, held_open_limit_s)
            WHERE id = @doorId AND location_id = @locationId AND removed_at IS NULL
            RETURNING id, location_id, area_id, name, fail_mode, unlock_ms, held_open_limit_s, created_at
            """,
            new { doorId, locationId, name = patch.Name, areaId = patch.AreaId, failMode = patch.FailMode?.ToDb(), patch.UnlockMs, patch.HeldOpenLimitSeconds },
            tx,
            cancellationToken: cancellationToken));
        if (row is null || await DoorChanges.DoorAsync(conn, tx, locationId, doorId, cancellationToken) is not { } door)
        {
            return (DoorWrite.NotFound, null);
        }

        var changes = new List<LocationChange> { door };
        foreach (var area in areas)
        {
            changes.AddRange(await AreaPasses.RegrantAsync(conn, tx, area, now, cancellationToken));
        }

        await ChangeLog.AppendAsync(conn, tx, changes, now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return (DoorWrite.Done, row.ToResponse());
    }

    public async Task<IReadOnlyList<DoorResponse>> ListDoorsAsync(Guid locationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<DoorRow>(new CommandDefinition(
            $"{SelectDoors} WHERE location_id = @locationId AND removed_at IS NULL ORDER BY name, id",
            new { locationId },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToResponse())];
    }

    private const string SelectDoors = "SELECT id, location_id, area_id, name, fail_mode, unlock_ms, held_open_limit_s, created_at FROM doors";

    private const string SelectLocations =
        "SELECT id, name, time_zone, currency, country, staffed_hours::text AS staffed_hours, created_at FROM locations";

    private sealed record LocationRow
    {
        public Guid Id { get; init; }

        public string Name { get; init; } = string.Empty;

        public string TimeZone { get; init; } = string.Empty;

        public string Currency { get; init; } = string.Empty;

        public string Country { get; init; } = string.Empty;

        public string StaffedHours { get; init; } = string.Empty;

        public DateTimeOffset CreatedAt { get; init; }

        public LocationResponse ToResponse() =>
            new(Id, Name, TimeZone, Currency, Country, JsonSerializer.Deserialize<StaffedHours>(StaffedHours, HoursJson) ?? new StaffedHours(), CreatedAt);
    }

    private sealed record DoorRow
    {
        public Guid Id { get; init; }

        public Guid LocationId { get; init; }

        public Guid AreaId { get; init; }

        public string Name { get; init; } = string.Empty;

        public string FailMode { get; init; } = string.Empty;

        public int UnlockMs { get; init; }

        public int HeldOpenLimitS { get; init; }

        public DateTimeOffset CreatedAt { get; init; }

        public DoorResponse ToResponse() => new(Id, LocationId, AreaId, Name, DbText.Parse<DoorFailMode>(FailMode), UnlockMs, HeldOpenLimitS, CreatedAt);
    }

    private sealed record AreaRow
    {
        public Guid Id { get; init; }

        public Guid LocationId { get; init; }

        public string Name { get; init; } = string.Empty;

        public DateTimeOffset CreatedAt { get; init; }
    }
}
