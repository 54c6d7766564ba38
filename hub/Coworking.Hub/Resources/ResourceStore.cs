using Coworking.Hub.Access;
using System.Data.Common;
using System.Text.Json;
using Coworking.Hub.Database;
using Coworking.Hub.Locations;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Resources;

public enum ResourceKind
{
    HotDesk,
    DedicatedDesk,
    MeetingRoom,
    PrivateOffice,
    EventSpace,
    PhoneBooth,
}

/// <summary>Something bookable at a location, behind the doors of its area. Null bookable hours: at all hours.</summary>
public sealed record ResourceResponse(
    Guid Id, Guid LocationId, Guid AreaId, string Name, ResourceKind Kind, int Capacity, StaffedHours? BookableHours, DateTimeOffset CreatedAt);

internal sealed record NewResource(Guid AreaId, string Name, ResourceKind Kind, int Capacity, StaffedHours? BookableHours);

/// <summary>
/// The fields a resource update sets: null leaves a field as it is; <see cref="BookableHours"/> is set only when
/// <see cref="SetsBookableHours"/>, to null for all hours.
/// </summary>
internal sealed record ResourcePatch(Guid? AreaId, string? Name, ResourceKind? Kind, int? Capacity, bool SetsBookableHours, StaffedHours? BookableHours);

/// <summary>What a resource update came to.</summary>
internal enum ResourceWrite
{
    Done,
    NotFound,

    /// <summary>The new area is not one of the resource's location.</summary>
    UnknownArea,
}

/// <summary>A resource with what booking it needs: its location's zone and its organisation.</summary>
internal sealed record BookableResource(ResourceResponse Resource, Guid OrganisationId, string TimeZone, StaffedHours StaffedHours)
{
    public TimeZoneInfo Zone { get; } = ZoneTime.Zone(TimeZone);

    /// <summary>Whether the interval lies inside the resource's bookable hours.</summary>
    public bool Bookable(Interval interval) => Resource.BookableHours?.Covers(interval, Zone) ?? true;
}

internal sealed class ResourceStore(TenantDataSource db, TimeProvider time)
{
    internal static readonly JsonSerializerOptions HoursJson = new(JsonSerializerDefaults.Web);

    private const string Columns = "r.id, r.location_id, r.area_id, r.name, r.kind, r.capacity, r.bookable_hours::text AS bookable_hours, r.created_at";

    /// <summary>
    /// The columns of a live resource with its location's zone and hours, FROM resources r JOIN locations l, for a
    /// caller that reads them in its own batch and maps each row with <see cref="BookableParser"/>.
    /// </summary>
    internal const string BookableSelect =
        $"SELECT {Columns}, l.organisation_id, l.time_zone, l.staffed_hours::text AS staffed_hours FROM resources r JOIN locations l ON l.id = r.location_id";

    /// <summary>Creates a resource; null when the area is not one of the location's.</summary>
    public async Task<ResourceResponse?> CreateAsync(Guid locationId, NewResource resource, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var inserted = await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO resources (id, location_id, area_id, name, kind, capacity, bookable_hours, created_at)
            SELECT @id, @locationId, @areaId, @name, @kind, @capacity, @hours::jsonb, @now
            WHERE EXISTS (SELECT 1 FROM areas WHERE id = @areaId AND location_id = @locationId AND removed_at IS NULL FOR KEY SHARE)
            """,
            new
            {
                id, locationId, areaId = resource.AreaId, name = resource.Name, kind = resource.Kind.ToDb(), capacity = resource.Capacity,
                hours = resource.BookableHours is null ? null : JsonSerializer.Serialize(resource.BookableHours, HoursJson), now,
            },
            cancellationToken: cancellationToken));
        return inserted == 0
            ? null
            : new ResourceResponse(id, locationId, resource.AreaId, resource.Name, resource.Kind, resource.Capacity, resource.BookableHours, now);
    }

    public async Task<IReadOnlyList<ResourceResponse>> ListAsync(Guid locationId, ResourceKind? kind, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await ListAsync(conn, locationId, kind, cancellationToken);
    }

    internal static async Task<IReadOnlyList<ResourceResponse>> ListAsync(NpgsqlConnection conn, Guid locationId, ResourceKind? kind, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(conn) { BatchCommands = { ListCommand(locationId, kind) } };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await ReadListAsync(reader, cancellationToken);
    }

    /// <summary>A location's live resources (of one kind when given) in list order, for a caller's batch; read them with <see cref="ReadListAsync"/>.</summary>
    internal static NpgsqlBatchCommand ListCommand(Guid locationId, ResourceKind? kind) => new(
        $"""
        SELECT {Columns} FROM resources r
        WHERE r.location_id = @locationId AND r.removed_at IS NULL AND (@kind::text IS NULL OR r.kind = @kind)
        ORDER BY r.kind, r.name, r.id
        """)
    {
        Parameters =
        {
            new NpgsqlParameter<Guid>("locationId", locationId),
            new NpgsqlParameter("kind", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)kind?.ToDb() ?? DBNull.Value },
        },
    };

    internal static async Task<IReadOnlyList<ResourceResponse>> ReadListAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var parse = reader.GetRowParser<ResourceRow>();
        var resources = new List<ResourceResponse>();
        while (await reader.ReadAsync(cancellationToken))
        {
            resources.Add(parse(reader).ToResponse());
        }

        return resources;
    }

    /// <summary>A live resource of the organisation with its location's zone and hours, or null.</summary>
    public async Task<BookableResource?> GetAsync(Guid organisationId, Guid id, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await GetAsync(conn, null, organisationId, id, cancellationToken);
    }

    internal static async Task<BookableResource?> GetAsync(
        NpgsqlConnection conn, NpgsqlTransaction? tx, Guid organisationId, Guid id, CancellationToken cancellationToken)
    {
        var row = await conn.QuerySingleOrDefaultAsync<ResourceRow>(new CommandDefinition(
            $"{BookableSelect} WHERE r.id = @id AND l.organisation_id = @organisationId AND r.removed_at IS NULL",
            new { id, organisationId },
            tx,
            cancellationToken: cancellationToken));
        return row?.ToBookable();
    }

    /// <summary>Maps the rows of a <see cref="BookableSelect"/> result.</summary>
    internal static Func<DbDataReader, BookableResource> BookableParser(DbDataReader reader)
    {
        var parse = reader.GetRowParser<ResourceRow>();
        return row => parse(row).ToBookable();
    }

    /// <summary>
    /// Removes a resource (kept for its bookings' history); false when there is no such live resource. Its bookings'
    /// passes stop opening doors at once: the access compiler withdraws them in the same transaction.
    /// </summary>
    public async Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        if (await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE resources SET removed_at = @now WHERE id = @id AND removed_at IS NULL",
            new { id, now },
            tx,
            cancellationToken: cancellationToken)) != 1)
        {
            return false;
        }

        await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.PassesOfResourceAsync(conn, tx, id, cancellationToken), now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Changes a live resource. Moved to another area, its bookings' passes open that area's doors instead: the access
    /// compiler works them out again in the same transaction.
    /// </summary>
    public async Task<(ResourceWrite Outcome, ResourceResponse? Resource)> UpdateAsync(
        Guid organisationId, Guid id, ResourcePatch patch, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var before = await conn.QuerySingleOrDefaultAsync<ResourceRow>(new CommandDefinition(
            $"{BookableSelect} WHERE r.id = @id AND l.organisation_id = @organisationId AND r.removed_at IS NULL FOR NO KEY UPDATE OF r",
            new { id, organisationId },
            tx,
            cancellationToken: cancellationToken));
        if (before is null)
        {
            return (ResourceWrite.NotFound, null);
        }

        var moved = patch.AreaId is { } area && area != before.AreaId;
        if (moved && await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT NOT EXISTS (SELECT 1 FROM areas WHERE id = @areaId AND location_id = @locationId AND removed_at IS NULL FOR KEY SHARE)",
            new { areaId = patch.AreaId, before.LocationId },
            tx,
            cancellationToken: cancellationToken)))
        {
            return (ResourceWrite.UnknownArea, null);
        }

        var current = before.ToResponse();
        var after = current with
        {
            AreaId = patch.AreaId ?? current.AreaId,
            Name = patch.Name ?? current.Name,
            Kind = patch.Kind ?? current.Kind,
            Capacity = patch.Capacity ?? current.Capacity,
            BookableHours = patch.SetsBookableHours ? patch.BookableHours : current.BookableHours,
        };
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE resources SET area_id = @AreaId, name = @Name, kind = @kind, capacity = @Capacity, bookable_hours = @hours::jsonb WHERE id = @Id",
            new
            {
                after.Id, after.AreaId, after.Name, kind = after.Kind.ToDb(), after.Capacity,
                hours = after.BookableHours is null ? null : JsonSerializer.Serialize(after.BookableHours, HoursJson),
            },
            tx,
            cancellationToken: cancellationToken));
        if (moved)
        {
            await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.PassesOfResourceAsync(conn, tx, id, cancellationToken), now, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return (ResourceWrite.Done, after);
    }

    private sealed record ResourceRow
    {
        public Guid Id { get; init; }

        public Guid LocationId { get; init; }

        public Guid AreaId { get; init; }

        public string Name { get; init; } = string.Empty;

        public string Kind { get; init; } = string.Empty;

        public int Capacity { get; init; }

        public string? BookableHours { get; init; }

        public DateTimeOffset CreatedAt { get; init; }

        public Guid OrganisationId { get; init; }

        public string TimeZone { get; init; } = string.Empty;

        public string StaffedHours { get; init; } = "{}";

        public BookableResource ToBookable() =>
            new(ToResponse(), OrganisationId, TimeZone, JsonSerializer.Deserialize<StaffedHours>(StaffedHours, HoursJson) ?? new StaffedHours());

        public ResourceResponse ToResponse() => new(
            Id, LocationId, AreaId, Name, DbText.Parse<ResourceKind>(Kind), Capacity,
            BookableHours is null ? null : JsonSerializer.Deserialize<StaffedHours>(BookableHours, HoursJson), CreatedAt);
    }
}
