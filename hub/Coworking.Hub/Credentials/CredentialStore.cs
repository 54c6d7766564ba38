using System.Security.Cryptography;
using System.Text;
using Coworking.Hub.Access;
using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Credentials;

/// <summary>A card (H10301 when a facility code is given, else raw) or a PIN, already validated.</summary>
internal sealed record NewCredential(MemberCredentialKind Kind, CardFormat? Format, int FacilityCode, ulong CardNumber, string? Pin);

internal enum CredentialWrite
{
    Done,
    MemberNotFound,
    NotFound,
    CardTaken,
    PinTaken,
}

/// <summary>Credentials of members; each change goes to the log of the member's home location.</summary>
internal sealed class CredentialStore(TenantDataSource db, TimeProvider time)
{
    /// <summary>
    /// The keyed hash an edge computes from typed digits to find the credential: HMAC-SHA256 with the
    /// organisation's PIN key (docs/SECURITY.md says why it is not salted per credential).
    /// </summary>
    public static byte[] PinHash(byte[] pinKey, string pin) => HMACSHA256.HashData(pinKey, Encoding.ASCII.GetBytes(pin));

    /// <summary>The organisation's PIN length (docs/SECURITY.md, "PINs").</summary>
    public async Task<int> PinLengthAsync(Guid organisationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT pin_length FROM organisations WHERE id = @organisationId", new { organisationId }, cancellationToken: cancellationToken));
    }

    public async Task SetPinLengthAsync(Guid organisationId, int length, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE organisations SET pin_length = @length WHERE id = @organisationId", new { organisationId, length }, cancellationToken: cancellationToken));
    }

    public async Task<(CredentialWrite Outcome, CredentialResponse? Credential)> CreateAsync(
        Caller caller, Guid memberId, NewCredential credential, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);

        // Locking the member keeps its home location fixed until this credential is in that location's log.
        var member = await conn.QuerySingleOrDefaultAsync<MemberKeyRow>(new CommandDefinition(
            """
            SELECT m.home_location_id, o.pin_key FROM members m JOIN organisations o ON o.id = m.organisation_id
            WHERE m.id = @memberId AND m.organisation_id = @organisationId
            FOR UPDATE OF m
            """,
            new { memberId, organisationId = caller.OrganisationId },
            tx,
            cancellationToken: cancellationToken));
        if (member is null || !caller.Covers(member.HomeLocationId))
        {
            return (CredentialWrite.MemberNotFound, null);
        }

        CredentialRow row;
        try
        {
            row = await InsertAsync(conn, tx, caller.OrganisationId, memberId, credential, member.PinKey, now, cancellationToken);
        }
        catch (PostgresException e) when (Duplicate(e) is { } taken)
        {
            return (taken, null);
        }

        await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.MembersAsync(conn, tx, [memberId], cancellationToken), now, cancellationToken);

        await tx.CommitAsync(cancellationToken);
        return (CredentialWrite.Done, row.ToResponse());
    }

    /// <summary>
    /// Inserts a credential of a member inside the caller's transaction; a card or PIN already live in the
    /// organisation throws a unique violation that <see cref="Duplicate"/> recognises.
    /// </summary>
    internal static Task<CredentialRow> InsertAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid organisationId, Guid memberId, NewCredential credential, byte[] pinKey,
        DateTimeOffset now, CancellationToken cancellationToken) =>
        InsertAsync(conn, tx, organisationId, memberId, null, credential, pinKey, now, cancellationToken);

    /// <summary>
    /// Inserts a credential of a member known to the edges under <paramref name="passHolderId"/> (a booking or a
    /// visitor) instead of the member, so that only the pass's own grant covers it.
    /// </summary>
    internal static async Task<CredentialRow> InsertAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid organisationId, Guid memberId, Guid? passHolderId, NewCredential credential, byte[] pinKey,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var row = NewRow(memberId, passHolderId, credential, pinKey, now);
        await using var batch = new NpgsqlBatch(conn, tx) { BatchCommands = { InsertCommand(organisationId, row) } };
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return row;
    }

    /// <summary>The row for a new credential, the PIN already replaced by its keyed hash.</summary>
    internal static CredentialRow NewRow(Guid memberId, Guid? passHolderId, NewCredential credential, byte[] pinKey, DateTimeOffset now)
    {
        var isPin = credential.Kind == MemberCredentialKind.Pin;
        return new CredentialRow
        {
            Id = Guid.CreateVersion7(now),
            MemberId = memberId,
            Kind = credential.Kind.ToDb(),
            CardFormat = credential.Format?.ToDb(),
            FacilityCode = isPin ? null : credential.FacilityCode,
            CardNumber = isPin ? null : credential.CardNumber,
            PinHash = isPin ? PinHash(pinKey, credential.Pin!) : null,
            CreatedAt = now,
            PassHolderId = passHolderId,
        };
    }

    /// <summary>The INSERT of <paramref name="row"/>, for a caller that sends it in a batch with its other statements.</summary>
    internal static NpgsqlBatchCommand InsertCommand(Guid organisationId, CredentialRow row) => new(
        """
        INSERT INTO credentials (id, organisation_id, member_id, kind, card_format, facility_code, card_number, pin_hash, created_at, pass_holder_id)
        VALUES (@id, @organisationId, @memberId, @kind, @cardFormat, @facilityCode, @cardNumber, @pinHash, @createdAt, @passHolderId)
        """)
    {
        Parameters =
        {
            new NpgsqlParameter<Guid>("id", row.Id),
            new NpgsqlParameter<Guid>("organisationId", organisationId),
            new NpgsqlParameter<Guid>("memberId", row.MemberId),
            new NpgsqlParameter<string>("kind", row.Kind),
            new NpgsqlParameter("cardFormat", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)row.CardFormat ?? DBNull.Value },
            new NpgsqlParameter("facilityCode", NpgsqlTypes.NpgsqlDbType.Integer) { Value = (object?)row.FacilityCode ?? DBNull.Value },
            new NpgsqlParameter("cardNumber", NpgsqlTypes.NpgsqlDbType.Numeric) { Value = (object?)row.CardNumber ?? DBNull.Value },
            new NpgsqlParameter("pinHash", NpgsqlTypes.NpgsqlDbType.Bytea) { Value = (object?)row.PinHash ?? DBNull.Value },
            new NpgsqlParameter<DateTimeOffset>("createdAt", row.CreatedAt.ToUniversalTime()),
            new NpgsqlParameter("passHolderId", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = (object?)row.PassHolderId ?? DBNull.Value },
        },
    };

    /// <summary>Which kind of credential a unique violation says is already live, or null for any other error.</summary>
    internal static CredentialWrite? Duplicate(PostgresException e) => e switch
    {
        { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "credentials_pin" } => CredentialWrite.PinTaken,
        { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "credentials_card" } => CredentialWrite.CardTaken,
        _ => null,
    };

    public async Task<IReadOnlyList<CredentialResponse>> ListAsync(Guid memberId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<CredentialRow>(new CommandDefinition(
            $"SELECT {CredentialRow.Columns} FROM credentials WHERE member_id = @memberId AND pass_holder_id IS NULL ORDER BY created_at, id",
            new { memberId },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToResponse())];
    }

    /// <summary>One card or PIN of a member the caller may manage (revoked ones too), or null.</summary>
    public async Task<CredentialResponse?> GetAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<CredentialRow>(new CommandDefinition(
            $"SELECT {CredentialRow.Columns} FROM credentials WHERE id = @id AND organisation_id = @organisationId AND pass_holder_id IS NULL",
            new { id, organisationId = caller.OrganisationId },
            cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }

        var home = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "SELECT home_location_id FROM members WHERE id = @memberId", new { memberId = row.MemberId }, cancellationToken: cancellationToken));
        return caller.Covers(home) ? row.ToResponse() : null;
    }

    /// <summary>Revokes a credential the caller may manage; revoking twice changes nothing.</summary>
    public async Task<CredentialWrite> RevokeAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var found = await conn.QuerySingleOrDefaultAsync<RevokeRow>(new CommandDefinition(
            """
            SELECT c.member_id, m.home_location_id, c.revoked_at FROM credentials c JOIN members m ON m.id = c.member_id
            WHERE c.id = @id AND c.organisation_id = @organisationId AND c.pass_holder_id IS NULL
            FOR UPDATE OF c, m
            """,
            new { id, organisationId = caller.OrganisationId },
            tx,
            cancellationToken: cancellationToken));
        if (found is null || !caller.Covers(found.HomeLocationId))
        {
            return CredentialWrite.NotFound;
        }

        if (found.RevokedAt is not null)
        {
            return CredentialWrite.Done;
        }

        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE credentials SET revoked_at = @now WHERE id = @id",
            new { id, now },
            tx,
            cancellationToken: cancellationToken));
        await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.MembersAsync(conn, tx, [found.MemberId], cancellationToken), now, cancellationToken);

        await tx.CommitAsync(cancellationToken);
        return CredentialWrite.Done;
    }

    private sealed record MemberKeyRow
    {
        public Guid? HomeLocationId { get; init; }

        public byte[] PinKey { get; init; } = [];
    }

    private sealed record RevokeRow
    {
        public Guid MemberId { get; init; }

        public Guid? HomeLocationId { get; init; }

        public DateTimeOffset? RevokedAt { get; init; }
    }
}
