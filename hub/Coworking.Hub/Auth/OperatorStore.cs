using Coworking.Hub.Database;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Auth;

/// <summary>An operator of the console; <see cref="SecondFactor"/>: a TOTP second factor is on.</summary>
public sealed record OperatorResponse(
    Guid Id, string Email, string Name, Role Role, IReadOnlyList<Guid> LocationIds, DateTimeOffset CreatedAt, DateTimeOffset? DisabledAt = null, bool SecondFactor = false);

internal sealed record NewOperator(string Email, string Name, string Password, Role Role, IReadOnlyList<Guid> LocationIds);

/// <summary>What an operator update sets: null leaves a field as it is; a role comes with its location scope.</summary>
internal sealed record OperatorPatch(string? Name, Role? Role, IReadOnlyList<Guid>? LocationIds);

internal sealed class OperatorStore(TenantDataSource db, TimeProvider time)
{
    /// <summary>Creates an operator; null when the e-mail is already taken in the organisation.</summary>
    public async Task<OperatorResponse?> CreateAsync(Guid organisationId, NewOperator op, CancellationToken cancellationToken)
    {
        // PBKDF2 is deliberately slow: hash before the transaction so no connection waits on it.
        var passwordHash = PasswordHasher.Hash(op.Password);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        try
        {
            var created = await InsertHashedAsync(conn, tx, organisationId, op, passwordHash, time.GetUtcNow(), cancellationToken);
            await tx.CommitAsync(cancellationToken);
            return created;
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "operators_email" })
        {
            return null;
        }
    }

    internal static Task<OperatorResponse> InsertAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid organisationId, NewOperator op, DateTimeOffset now, CancellationToken cancellationToken) =>
        InsertHashedAsync(conn, tx, organisationId, op, PasswordHasher.Hash(op.Password), now, cancellationToken);

    public async Task<IReadOnlyList<OperatorResponse>> ListAsync(Guid organisationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await ListAsync(conn, organisationId, null, cancellationToken);
    }

    private static async Task<IReadOnlyList<OperatorResponse>> ListAsync(NpgsqlConnection conn, Guid organisationId, Guid? id, CancellationToken cancellationToken)
    {
        var rows = await conn.QueryAsync<OperatorRow>(new CommandDefinition(
            """
            SELECT o.id, o.email, o.name, o.role, o.created_at, o.disabled_at, o.totp_confirmed_at IS NOT NULL AS second_factor,
                   coalesce(array_agg(l.location_id ORDER BY l.location_id) FILTER (WHERE l.location_id IS NOT NULL), '{}') AS location_ids
            FROM operators o LEFT JOIN operator_locations l ON l.operator_id = o.id
            WHERE o.organisation_id = @organisationId AND (@id::uuid IS NULL OR o.id = @id)
            GROUP BY o.id
            ORDER BY o.created_at, o.id
            """,
            new { organisationId, id },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new OperatorResponse(r.Id, r.Email, r.Name, DbText.Parse<Role>(r.Role), r.LocationIds, r.CreatedAt, r.DisabledAt, r.SecondFactor))];
    }

    /// <summary>One operator of the organisation, or null.</summary>
    public async Task<OperatorResponse?> GetAsync(Guid organisationId, Guid id, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return (await ListAsync(conn, organisationId, id, cancellationToken)).SingleOrDefault();
    }

    /// <summary>
    /// Renames an operator or changes its role and location scope; null when there is no such operator. Sessions read
    /// the role and scope from here on every request, so the operator's next request already has the new ones.
    /// </summary>
    public async Task<OperatorResponse?> UpdateAsync(Guid organisationId, Guid id, OperatorPatch patch, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var found = await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE operators SET name = coalesce(@name, name), role = coalesce(@role, role) WHERE id = @id AND organisation_id = @organisationId",
            new { id, organisationId, name = patch.Name, role = patch.Role?.ToDb() },
            tx,
            cancellationToken: cancellationToken));
        if (found == 0)
        {
            return null;
        }

        if (patch.LocationIds is { } locationIds)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                DELETE FROM operator_locations WHERE operator_id = @id;
                INSERT INTO operator_locations (operator_id, location_id) SELECT @id, unnest(@locationIds);
                """,
                new { id, locationIds = locationIds.ToArray() },
                tx,
                cancellationToken: cancellationToken));
        }

        await tx.CommitAsync(cancellationToken);
        return (await ListAsync(conn, organisationId, id, cancellationToken)).Single();
    }

    /// <summary>The operator's e-mail address, or null when there is none with this id.</summary>
    public async Task<string?> EmailAsync(Guid operatorId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT email FROM operators WHERE id = @operatorId", new { operatorId }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Disables (and signs out everywhere) or enables an operator of the organisation; null when there is no such operator.
    /// </summary>
    public async Task<OperatorResponse?> SetDisabledAsync(Guid organisationId, Guid id, bool disabled, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var found = await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE operators SET disabled_at = CASE WHEN @disabled THEN coalesce(disabled_at, @now) END WHERE id = @id AND organisation_id = @organisationId",
            new { id, organisationId, disabled, now },
            tx,
            cancellationToken: cancellationToken));
        if (found == 0)
        {
            return null;
        }

        if (disabled)
        {
            await SessionStore.RevokeAllAsync(conn, tx, new Actor(ActorKind.Operator, id), null, now, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return (await ListAsync(conn, organisationId, id, cancellationToken)).Single();
    }

    private static async Task<OperatorResponse> InsertHashedAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid organisationId, NewOperator op, string passwordHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7(now);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO operators (id, organisation_id, email, name, password_hash, role, created_at)
            VALUES (@id, @organisationId, @email, @name, @passwordHash, @role, @now);
            INSERT INTO operator_locations (operator_id, location_id) SELECT @id, unnest(@locationIds);
            """,
            new { id, organisationId, email = op.Email, name = op.Name, passwordHash, role = op.Role.ToDb(), now, locationIds = op.LocationIds.ToArray() },
            tx,
            cancellationToken: cancellationToken));
        return new OperatorResponse(id, op.Email, op.Name, op.Role, op.LocationIds, now);
    }

    private sealed record OperatorRow
    {
        public Guid Id { get; init; }

        public string Email { get; init; } = string.Empty;

        public string Name { get; init; } = string.Empty;

        public string Role { get; init; } = string.Empty;

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset? DisabledAt { get; init; }

        public bool SecondFactor { get; init; }

        public Guid[] LocationIds { get; init; } = [];
    }
}
