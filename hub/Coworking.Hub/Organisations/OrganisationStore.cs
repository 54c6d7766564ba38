using System.Security.Cryptography;
using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Organisations;

/// <summary>The organisation made by bootstrap, with its first organisation-admin key.</summary>
public sealed record BootstrappedOrganisation(Guid OrganisationId, string ApiKey);

/// <summary>Optional first operator made together with the organisation.</summary>
public sealed record BootstrapAdmin(string Email, string Password);

public sealed class OrganisationStore(TenantDataSource db, TimeProvider time)
{
    /// <summary>
    /// Creates an organisation with a fresh PIN key and an organisation-admin API key (and, when given,
    /// an organisation-admin operator), in one transaction.
    /// </summary>
    public async Task<BootstrappedOrganisation> CreateAsync(string name, BootstrapAdmin? admin, CancellationToken cancellationToken)
    {
        using var system = TenantScope.System("a new organisation: no caller belongs to it yet");
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO organisations (id, name, pin_key, created_at) VALUES (@id, @name, @pinKey, @now)",
            new { id, name, pinKey = RandomNumberGenerator.GetBytes(32), now },
            tx,
            cancellationToken: cancellationToken));
        var key = await ApiKeyStore.InsertAsync(conn, tx, id, "bootstrap", Role.OrgAdmin, [], now, cancellationToken);
        if (admin is not null)
        {
            await OperatorStore.InsertAsync(conn, tx, id, new NewOperator(admin.Email, "Administrator", admin.Password, Role.OrgAdmin, []), now, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return new BootstrappedOrganisation(id, key.ApiKey);
    }

    /// <summary>The organisation's name, as invoices print it; null when there is none with this id.</summary>
    public async Task<string?> NameAsync(Guid organisationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT name FROM organisations WHERE id = @organisationId", new { organisationId }, cancellationToken: cancellationToken));
    }
}
