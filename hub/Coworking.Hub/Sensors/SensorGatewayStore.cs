using Coworking.Hub.Access;
using Coworking.Hub.Database;
using Coworking.Proto.V1;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Sensors;

/// <summary>A sensor gateway allowed at the location's edge brokers; its password is never shown again after it is issued.</summary>
public sealed record SensorGatewayResponse(Guid Id, Guid LocationId, string Username, DateTimeOffset CreatedAt);

/// <summary>A gateway just issued, or its password just replaced: the one answer that holds the password.</summary>
public sealed record IssuedSensorGatewayResponse(Guid Id, Guid LocationId, string Username, string Password, DateTimeOffset CreatedAt);

/// <summary>
/// A location's sensor gateways (docs/SENSORS.md "Gateways"). Issuing one makes a random password, keeps its PBKDF2
/// verifier and appends a <see cref="SensorGatewayUpsert"/> to the location's change log in the same transaction, so
/// the location's edges accept the gateway once they are synced; a new password or a removal is sent the same way.
/// </summary>
internal sealed class SensorGatewayStore(TenantDataSource db, TimeProvider time)
{
    public async Task<IReadOnlyList<SensorGatewayResponse>> ListAsync(Guid locationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<GatewayRow>(new CommandDefinition(
            """
            SELECT id, location_id AS locationid, username, created_at AS createdat FROM sensor_gateways
            WHERE location_id = @locationId AND removed_at IS NULL ORDER BY username
            """,
            new { locationId },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new SensorGatewayResponse(r.Id, r.LocationId, r.Username, r.CreatedAt))];
    }

    public async Task<SensorGatewayResponse?> GetAsync(Guid locationId, Guid gatewayId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<GatewayRow>(new CommandDefinition(
            """
            SELECT id, location_id AS locationid, username, created_at AS createdat FROM sensor_gateways
            WHERE id = @gatewayId AND location_id = @locationId AND removed_at IS NULL
            """,
            new { locationId, gatewayId },
            cancellationToken: cancellationToken));
        return row is null ? null : new SensorGatewayResponse(row.Id, row.LocationId, row.Username, row.CreatedAt);
    }

    /// <summary>Issues a gateway with a new password; null when a live gateway of the location has the username.</summary>
    public async Task<IssuedSensorGatewayResponse?> IssueAsync(Guid locationId, string username, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        var password = GatewayPasswords.NewPassword();
        var verifier = GatewayPasswords.Verifier(password);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        try
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO sensor_gateways (id, location_id, username, password_verifier, created_at)
                VALUES (@id, @locationId, @username, @verifier, @now)
                """,
                new { id, locationId, username, verifier, now },
                tx,
                cancellationToken: cancellationToken));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "sensor_gateways_username")
        {
            return null;
        }

        await ChangeLog.AppendAsync(conn, tx, [new LocationChange(locationId, SensorGatewayChanges.Upsert(id, username, verifier))], now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return new IssuedSensorGatewayResponse(id, locationId, username, password, now);
    }

    /// <summary>Replaces a live gateway's password (the old one stops working at each edge once it is synced); null when there is none.</summary>
    public async Task<IssuedSensorGatewayResponse?> RenewPasswordAsync(Guid locationId, Guid gatewayId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var password = GatewayPasswords.NewPassword();
        var verifier = GatewayPasswords.Verifier(password);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<GatewayRow>(new CommandDefinition(
            """
            UPDATE sensor_gateways SET password_verifier = @verifier
            WHERE id = @gatewayId AND location_id = @locationId AND removed_at IS NULL
            RETURNING id, location_id AS locationid, username, created_at AS createdat
            """,
            new { gatewayId, locationId, verifier },
            tx,
            cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }

        await ChangeLog.AppendAsync(conn, tx, [new LocationChange(locationId, SensorGatewayChanges.Upsert(row.Id, row.Username, verifier))], now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return new IssuedSensorGatewayResponse(row.Id, locationId, row.Username, password, row.CreatedAt);
    }

    /// <summary>Removes a live gateway and tells the location's edges to refuse it; false when there is none.</summary>
    public async Task<bool> RemoveAsync(Guid locationId, Guid gatewayId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        if (await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE sensor_gateways SET removed_at = @now WHERE id = @gatewayId AND location_id = @locationId AND removed_at IS NULL",
            new { gatewayId, locationId, now },
            tx,
            cancellationToken: cancellationToken)) != 1)
        {
            return false;
        }

        await ChangeLog.AppendAsync(conn, tx, [new LocationChange(locationId, SensorGatewayChanges.Removed(gatewayId))], now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    private sealed record GatewayRow
    {
        public Guid Id { get; init; }

        public Guid LocationId { get; init; }

        public string Username { get; init; } = string.Empty;

        public DateTimeOffset CreatedAt { get; init; }
    }
}

/// <summary>The change-log entries of sensor gateways (changes.proto, SensorGatewayUpsert / SensorGatewayRemoved).</summary>
internal static class SensorGatewayChanges
{
    public static Change Upsert(Guid gatewayId, string username, string verifier) => new()
    {
        SensorGateway = new SensorGatewayUpsert { GatewayId = gatewayId.ToString(), Username = username, PasswordVerifier = verifier },
    };

    public static Change Removed(Guid gatewayId) => new() { SensorGatewayRemoved = new SensorGatewayRemoved { GatewayId = gatewayId.ToString() } };
}
