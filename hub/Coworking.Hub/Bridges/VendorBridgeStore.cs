using System.Text.Json;
using Coworking.Hub.Access;
using Coworking.Hub.Database;
using Coworking.Hub.Doors;
using Coworking.Proto.V1;
using Dapper;
using Microsoft.AspNetCore.DataProtection;

namespace Coworking.Hub.Bridges;

/// <summary>
/// Vendor doors and accounts at the hub (docs/BRIDGES.md). A door's controller is part of its DoorUpsert, appended whole
/// as every door write does. An account's secrets are kept as one Data Protection payload; the change log gets only a
/// <see cref="VendorAccountChanged"/> marker, and the edge session sends the accounts themselves (<see cref="ForEdgeAsync"/>)
/// on the stream. The caller has checked the location is the caller's.
/// </summary>
internal sealed class VendorBridgeStore(TenantDataSource db, IDataProtectionProvider protection, TimeProvider time)
{
    private readonly IDataProtector protector = protection.CreateProtector("Coworking.Hub.Bridges.VendorAccounts.v1");

    public async Task<DoorControllerResponse?> GetControllerAsync(Guid locationId, Guid doorId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<ControllerRow>(new CommandDefinition(
            "SELECT id, controller, vendor_site_id, vendor_lock_id FROM doors WHERE id = @doorId AND location_id = @locationId AND removed_at IS NULL",
            new { doorId, locationId },
            cancellationToken: cancellationToken));
        return row?.ToResponse();
    }

    /// <summary>Sets who drives the door and tells the edges (the whole door again); null when there is no such door.</summary>
    public async Task<DoorControllerResponse?> SetControllerAsync(
        Guid locationId, Guid doorId, DoorControllerKind controller, string? siteId, string? lockId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        await DoorChanges.LockLocationAsync(conn, tx, locationId, cancellationToken);
        var updated = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE doors SET controller = @controller, vendor_site_id = @siteId, vendor_lock_id = @lockId
            WHERE id = @doorId AND location_id = @locationId AND removed_at IS NULL
            """,
            new { doorId, locationId, controller = controller.ToDb(), siteId, lockId },
            tx,
            cancellationToken: cancellationToken));
        if (updated == 0 || await DoorChanges.DoorAsync(conn, tx, locationId, doorId, cancellationToken) is not { } change)
        {
            return null;
        }

        await ChangeLog.AppendAsync(conn, tx, [change], time.GetUtcNow(), cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return new ControllerRow { Id = doorId, Controller = controller.ToDb(), VendorSiteId = siteId, VendorLockId = lockId }.ToResponse();
    }

    public async Task<IReadOnlyList<VendorAccountResponse>> ListAccountsAsync(Guid locationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<AccountRow>(new CommandDefinition(
            $"{AccountRow.Select} WHERE location_id = @locationId ORDER BY vendor", new { locationId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToResponse())];
    }

    /// <summary>Sets the location's account of <paramref name="vendor"/> (replacing every secret) and marks the change for the edges.</summary>
    public async Task<VendorAccountResponse> SetAccountAsync(
        Guid locationId, VendorKind vendor, IReadOnlyDictionary<string, string> secrets, Uri? apiBase, string actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        await DoorChanges.LockLocationAsync(conn, tx, locationId, cancellationToken);
        var version = await NextVersionAsync(conn, tx, locationId, vendor, cancellationToken);
        var row = await conn.QuerySingleAsync<AccountRow>(new CommandDefinition(
            """
            INSERT INTO location_vendor_accounts (location_id, vendor, api_base, secrets_protected, secret_names, version, updated_at, updated_by)
            VALUES (@locationId, @vendor, @apiBase, @secrets, @names, @version, @now, @actor)
            ON CONFLICT (location_id, vendor) DO UPDATE SET
                api_base = excluded.api_base, secrets_protected = excluded.secrets_protected, secret_names = excluded.secret_names,
                version = excluded.version, updated_at = excluded.updated_at, updated_by = excluded.updated_by
            RETURNING vendor, api_base, secret_names, version, updated_at, updated_by
            """,
            new
            {
                locationId,
                vendor = vendor.ToDb(),
                apiBase = apiBase?.ToString().TrimEnd('/'),
                secrets = protector.Protect(JsonSerializer.Serialize(secrets)),
                names = secrets.Keys.Order(StringComparer.Ordinal).ToArray(),
                version,
                now,
                actor,
            },
            tx,
            cancellationToken: cancellationToken));
        await ChangeLog.AppendAsync(conn, tx, [Marker(locationId, vendor, version)], now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return row.ToResponse();
    }

    public async Task<bool> RemoveAccountAsync(Guid locationId, VendorKind vendor, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        await DoorChanges.LockLocationAsync(conn, tx, locationId, cancellationToken);
        var version = await NextVersionAsync(conn, tx, locationId, vendor, cancellationToken);
        var removed = await conn.ExecuteAsync(new CommandDefinition(
            "DELETE FROM location_vendor_accounts WHERE location_id = @locationId AND vendor = @vendor",
            new { locationId, vendor = vendor.ToDb() },
            tx,
            cancellationToken: cancellationToken));
        if (removed == 0)
        {
            return false;
        }

        await ChangeLog.AppendAsync(conn, tx, [Marker(locationId, vendor, version)], time.GetUtcNow(), cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Every account of the location with its secrets, for that location's edge stream only.</summary>
    public async Task<VendorAccounts> ForEdgeAsync(Guid locationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<(string Vendor, string? ApiBase, string SecretsProtected, long Version)>(new CommandDefinition(
            "SELECT vendor, api_base, secrets_protected, version FROM location_vendor_accounts WHERE location_id = @locationId ORDER BY vendor",
            new { locationId },
            cancellationToken: cancellationToken));
        var accounts = new VendorAccounts();
        foreach (var row in rows)
        {
            var account = new VendorAccount { Vendor = row.Vendor, ApiBase = row.ApiBase ?? "", Version = row.Version };
            account.Secrets.Add(JsonSerializer.Deserialize<Dictionary<string, string>>(protector.Unprotect(row.SecretsProtected))!);
            accounts.Accounts.Add(account);
        }

        return accounts;
    }

    /// <summary>Versions grow past every earlier one of the vendor, removed accounts included: the change log's last marker says it.</summary>
    private static async Task<long> NextVersionAsync(Npgsql.NpgsqlConnection conn, Npgsql.NpgsqlTransaction tx, Guid locationId, VendorKind vendor, CancellationToken cancellationToken) =>
        await conn.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT coalesce(max(seq), 0) + 1 FROM change_log WHERE location_id = @locationId AND entity = @entity",
            new { locationId, entity = $"vendor_account:{vendor.ToDb()}" },
            tx,
            cancellationToken: cancellationToken));

    private static LocationChange Marker(Guid locationId, VendorKind vendor, long version) =>
        new(locationId, new Change { VendorAccount = new VendorAccountChanged { Vendor = vendor.ToDb(), Version = version } });

    private sealed record ControllerRow
    {
        public Guid Id { get; init; }

        public string Controller { get; init; } = "edge";

        public string? VendorSiteId { get; init; }

        public string? VendorLockId { get; init; }

        public DoorControllerResponse ToResponse() => DbText.Parse<DoorControllerKind>(Controller) switch
        {
            DoorControllerKind.Kisi => new(Id, DoorControllerKind.Kisi, VendorLockId, null, null, null, null),
            DoorControllerKind.SaltoKs => new(Id, DoorControllerKind.SaltoKs, null, VendorSiteId, VendorLockId, null, null),
            DoorControllerKind.Brivo => new(Id, DoorControllerKind.Brivo, null, null, null, VendorSiteId, VendorLockId),
            _ => new(Id, DoorControllerKind.Edge, null, null, null, null, null),
        };
    }

    private sealed record AccountRow
    {
        public const string Select = "SELECT vendor, api_base, secret_names, version, updated_at, updated_by FROM location_vendor_accounts";

        public string Vendor { get; init; } = string.Empty;

        public string? ApiBase { get; init; }

        public string[] SecretNames { get; init; } = [];

        public long Version { get; init; }

        public DateTimeOffset UpdatedAt { get; init; }

        public string UpdatedBy { get; init; } = string.Empty;

        public VendorAccountResponse ToResponse() =>
            new(DbText.Parse<VendorKind>(Vendor), ApiBase is null ? null : new Uri(ApiBase), SecretNames, Version, UpdatedAt, UpdatedBy);
    }
}
