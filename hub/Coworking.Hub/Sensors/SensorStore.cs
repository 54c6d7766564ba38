using Coworking.Hub.Access;
using Coworking.Hub.Database;
using Coworking.Proto.V1;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Sensors;

/// <summary>What a sensor senses (ARCHITECTURE §11); the wire names are the edge's.</summary>
public enum SensorKind
{
    Pir,
    Presence,
    Desk,
    Co2,
    Counter,
}

/// <summary>The payload shape a sensor publishes (docs/SENSORS.md).</summary>
public enum SensorAdapter
{
    Zigbee2mqtt,
    Coworking,
    PeopleCounter,
}

/// <summary>
/// An occupancy sensor of a location. It watches one resource (<see cref="ResourceId"/> set, <see cref="AreaId"/> the
/// resource's area) or a whole area (<see cref="ResourceId"/> null). An empty <see cref="Topic"/> means the own scheme's
/// <c>coworking/v1/sensors/&lt;id&gt;</c>.
/// </summary>
public sealed record SensorResponse(
    Guid Id, Guid LocationId, Guid AreaId, Guid? ResourceId, string Name, SensorKind Kind, SensorAdapter Adapter, string Topic,
    int HoldSeconds, int TimeoutSeconds, DateTimeOffset CreatedAt);

/// <summary>What a sensor watches: a resource, or (without one) an area.</summary>
internal sealed record Watched(Guid? ResourceId, Guid? AreaId);

internal sealed record NewSensor(string Name, SensorKind Kind, SensorAdapter Adapter, string Topic, Watched Watched, int HoldSeconds, int TimeoutSeconds);

/// <summary>The fields a sensor update sets; null leaves a field as it is.</summary>
internal sealed record SensorPatch(
    string? Name, SensorKind? Kind, SensorAdapter? Adapter, string? Topic, Watched? Watched, int? HoldSeconds, int? TimeoutSeconds);

/// <summary>What a sensor write came to.</summary>
internal enum SensorWrite
{
    Done,
    NotFound,

    /// <summary>The resource is not a live one of the sensor's location.</summary>
    UnknownResource,

    /// <summary>The area is not one of the sensor's location.</summary>
    UnknownArea,

    /// <summary>Another live sensor of the location publishes on the topic.</summary>
    TopicTaken,

    /// <summary>Only the own scheme may leave the topic empty.</summary>
    TopicRequired,
}

/// <summary>
/// A location's sensors. Every write appends the sensor's <see cref="SensorUpsert"/> or <see cref="SensorRemoved"/> to the
/// location's change log in the same transaction, so the location's edges hear of it as they hear of doors.
/// </summary>
internal sealed class SensorStore(TenantDataSource db, TimeProvider time)
{
    private const string Columns =
        "s.id, s.location_id, coalesce(r.area_id, s.area_id) AS area_id, s.resource_id, s.name, s.kind, s.adapter, s.topic, s.hold_s, s.timeout_s, s.created_at";

    private const string Select = $"SELECT {Columns} FROM sensors s LEFT JOIN resources r ON r.id = s.resource_id";

    public async Task<IReadOnlyList<SensorResponse>> ListAsync(Guid locationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<SensorRow>(new CommandDefinition(
            $"{Select} WHERE s.location_id = @locationId AND s.removed_at IS NULL ORDER BY s.name, s.id",
            new { locationId },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToResponse())];
    }

    public async Task<SensorResponse?> GetAsync(Guid locationId, Guid sensorId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await GetAsync(conn, null, locationId, sensorId, lockRow: false, cancellationToken);
    }

    public async Task<(SensorWrite Outcome, SensorResponse? Sensor)> CreateAsync(Guid locationId, NewSensor sensor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        if (await CheckAsync(conn, tx, locationId, id, sensor.Adapter, sensor.Topic, sensor.Watched, cancellationToken) is { } problem)
        {
            return (problem, null);
        }

        if (!await WriteAsync(conn, new CommandDefinition(
            """
            INSERT INTO sensors (id, location_id, area_id, resource_id, name, kind, adapter, topic, hold_s, timeout_s, created_at)
            VALUES (@id, @locationId, @areaId, @resourceId, @name, @kind, @adapter, @topic, @holdS, @timeoutS, @now)
            """,
            new
            {
                id, locationId, areaId = sensor.Watched.ResourceId is null ? sensor.Watched.AreaId : null, resourceId = sensor.Watched.ResourceId,
                name = sensor.Name, kind = sensor.Kind.ToDb(), adapter = sensor.Adapter.ToDb(), topic = sensor.Topic,
                holdS = sensor.HoldSeconds, timeoutS = sensor.TimeoutSeconds, now,
            },
            tx,
            cancellationToken: cancellationToken)))
        {
            return (SensorWrite.TopicTaken, null);
        }

        return (SensorWrite.Done, await CommitAsync(conn, tx, locationId, id, now, cancellationToken));
    }

    public async Task<(SensorWrite Outcome, SensorResponse? Sensor)> UpdateAsync(
        Guid locationId, Guid sensorId, SensorPatch patch, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        if (await GetAsync(conn, tx, locationId, sensorId, lockRow: true, cancellationToken) is not { } before)
        {
            return (SensorWrite.NotFound, null);
        }

        var watched = patch.Watched ?? (before.ResourceId is { } resource ? new Watched(resource, null) : new Watched(null, before.AreaId));
        var adapter = patch.Adapter ?? before.Adapter;
        var topic = patch.Topic ?? before.Topic;
        if (await CheckAsync(conn, tx, locationId, sensorId, adapter, topic, watched, cancellationToken) is { } problem)
        {
            return (problem, null);
        }

        if (!await WriteAsync(conn, new CommandDefinition(
            """
            UPDATE sensors SET area_id = @areaId, resource_id = @resourceId, name = @name, kind = @kind, adapter = @adapter, topic = @topic,
                               hold_s = @holdS, timeout_s = @timeoutS
            WHERE id = @sensorId
            """,
            new
            {
                sensorId, areaId = watched.ResourceId is null ? watched.AreaId : null, resourceId = watched.ResourceId,
                name = patch.Name ?? before.Name, kind = (patch.Kind ?? before.Kind).ToDb(), adapter = adapter.ToDb(), topic,
                holdS = patch.HoldSeconds ?? before.HoldSeconds, timeoutS = patch.TimeoutSeconds ?? before.TimeoutSeconds,
            },
            tx,
            cancellationToken: cancellationToken)))
        {
            return (SensorWrite.TopicTaken, null);
        }

        return (SensorWrite.Done, await CommitAsync(conn, tx, locationId, sensorId, now, cancellationToken));
    }

    /// <summary>Removes a live sensor and tells the location's edges to stop listening to it; false when there is none.</summary>
    public async Task<bool> RemoveAsync(Guid locationId, Guid sensorId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        if (await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE sensors SET removed_at = @now WHERE id = @sensorId AND location_id = @locationId AND removed_at IS NULL",
            new { sensorId, locationId, now },
            tx,
            cancellationToken: cancellationToken)) != 1)
        {
            return false;
        }

        await ChangeLog.AppendAsync(conn, tx, [new LocationChange(locationId, SensorChanges.Removed(sensorId))], now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Why the sensor cannot be written as given, or null when it can.</summary>
    private static async Task<SensorWrite?> CheckAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid locationId, Guid sensorId, SensorAdapter adapter, string topic, Watched watched,
        CancellationToken cancellationToken)
    {
        if (topic.Length == 0 && adapter != SensorAdapter.Coworking)
        {
            return SensorWrite.TopicRequired;
        }

        var found = await conn.QuerySingleAsync<(bool Resource, bool Area, bool TopicTaken)>(new CommandDefinition(
            """
            SELECT EXISTS (SELECT 1 FROM resources WHERE id = @resourceId AND location_id = @locationId AND removed_at IS NULL),
                   EXISTS (SELECT 1 FROM areas WHERE id = @areaId AND location_id = @locationId),
                   EXISTS (SELECT 1 FROM sensors WHERE location_id = @locationId AND topic = @topic AND topic <> '' AND removed_at IS NULL AND id <> @sensorId)
            """,
            new { resourceId = watched.ResourceId, areaId = watched.AreaId, locationId, topic, sensorId },
            tx,
            cancellationToken: cancellationToken));
        return watched.ResourceId is not null && !found.Resource ? SensorWrite.UnknownResource
            : watched.ResourceId is null && !found.Area ? SensorWrite.UnknownArea
            : found.TopicTaken ? SensorWrite.TopicTaken
            : null;
    }

    /// <summary>Appends the sensor as it now stands to the change log and commits; the sensor as written.</summary>
    private static async Task<SensorResponse> CommitAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid locationId, Guid sensorId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var written = await GetAsync(conn, tx, locationId, sensorId, lockRow: false, cancellationToken)
            ?? throw new InvalidOperationException("a sensor written in this transaction is gone");
        await ChangeLog.AppendAsync(conn, tx, [new LocationChange(locationId, SensorChanges.Upsert(written))], now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return written;
    }

    /// <summary>Runs the insert or update; false when another writer took the topic in the meantime (the unique index let one through).</summary>
    private static async Task<bool> WriteAsync(NpgsqlConnection conn, CommandDefinition command)
    {
        try
        {
            await conn.ExecuteAsync(command);
            return true;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "sensors_topic")
        {
            return false;
        }
    }

    private static async Task<SensorResponse?> GetAsync(
        NpgsqlConnection conn, NpgsqlTransaction? tx, Guid locationId, Guid sensorId, bool lockRow, CancellationToken cancellationToken)
    {
        var row = await conn.QuerySingleOrDefaultAsync<SensorRow>(new CommandDefinition(
            $"{Select} WHERE s.id = @sensorId AND s.location_id = @locationId AND s.removed_at IS NULL{(lockRow ? " FOR NO KEY UPDATE OF s" : string.Empty)}",
            new { sensorId, locationId },
            tx,
            cancellationToken: cancellationToken));
        return row?.ToResponse();
    }

    private sealed record SensorRow
    {
        public Guid Id { get; init; }

        public Guid LocationId { get; init; }

        public Guid AreaId { get; init; }

        public Guid? ResourceId { get; init; }

        public string Name { get; init; } = string.Empty;

        public string Kind { get; init; } = string.Empty;

        public string Adapter { get; init; } = string.Empty;

        public string Topic { get; init; } = string.Empty;

        public int HoldS { get; init; }

        public int TimeoutS { get; init; }

        public DateTimeOffset CreatedAt { get; init; }

        public SensorResponse ToResponse() => new(
            Id, LocationId, AreaId, ResourceId, Name, DbText.Parse<SensorKind>(Kind), DbText.Parse<SensorAdapter>(Adapter), Topic, HoldS, TimeoutS, CreatedAt);
    }
}

/// <summary>The change-log entries of sensors (changes.proto, SensorUpsert / SensorRemoved).</summary>
internal static class SensorChanges
{
    public static Change Upsert(SensorResponse sensor) => new()
    {
        Sensor = new SensorUpsert
        {
            SensorId = sensor.Id.ToString(),
            Name = sensor.Name,
            Kind = sensor.Kind.ToDb(),
            Adapter = sensor.Adapter.ToDb(),
            Topic = sensor.Topic,
            ResourceId = sensor.ResourceId?.ToString() ?? string.Empty,
            AreaId = sensor.AreaId.ToString(),
            HoldS = sensor.HoldSeconds,
            TimeoutS = sensor.TimeoutSeconds,
        },
    };

    public static Change Removed(Guid sensorId) => new() { SensorRemoved = new SensorRemoved { SensorId = sensorId.ToString() } };
}
