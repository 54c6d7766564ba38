using Dapper;
using Npgsql;

namespace Coworking.Hub.Passkeys;

/// <summary>A member's passkey as the member sees it in the portal (never the key material).</summary>
public sealed record PasskeyResponse(Guid Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, bool BackedUp);

/// <summary>What the hub keeps of a passkey to check an assertion: the public key, the counter, whose it is.</summary>
internal sealed record StoredPasskey
{
    public Guid Id { get; init; }

    public Guid OrganisationId { get; init; }

    public Guid MemberId { get; init; }

    public byte[] CredentialId { get; init; } = [];

    public byte[] PublicKey { get; init; } = [];

    public long SignCount { get; init; }
}

internal sealed record NewPasskey(byte[] CredentialId, byte[] PublicKey, uint SignCount, string[] Transports, Guid AaGuid, bool BackedUp, string Name);

internal enum CeremonyKind
{
    Registration,
    Assertion,
}

/// <summary>
/// Members' passkeys and the ceremonies that make and use them. Every read and write of a member's passkeys is scoped
/// to the organisation and the member in SQL; only the lookup by credential id at sign-in spans organisations (the
/// browser names no organisation), and it answers the one row whose credential the authenticator signed with.
/// </summary>
internal sealed class PasskeyStore(Database.TenantDataSource db, TimeProvider time)
{
    public static readonly TimeSpan CeremonyLifetime = TimeSpan.FromMinutes(5);

    /// <summary>Keeps the options of a ceremony for its answer; drops the ceremonies nobody finished.</summary>
    public async Task<Guid> BeginAsync(CeremonyKind kind, Guid? organisationId, Guid? memberId, string options, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM passkey_ceremonies WHERE expires_at < @now;
            INSERT INTO passkey_ceremonies (id, kind, organisation_id, member_id, options, expires_at)
            VALUES (@id, @kind, @organisationId, @memberId, @options, @expiresAt)
            """,
            new { id, kind = KindText(kind), organisationId, memberId, options, now, expiresAt = now + CeremonyLifetime },
            cancellationToken: cancellationToken));
        return id;
    }

    /// <summary>The options of a live ceremony of this kind (and member, for a registration), used up by this call; else null.</summary>
    public async Task<string?> FinishAsync(Guid ceremonyId, CeremonyKind kind, Guid? memberId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            """
            DELETE FROM passkey_ceremonies
            WHERE id = @ceremonyId AND kind = @kind AND expires_at >= @now
              AND member_id IS NOT DISTINCT FROM @memberId
            RETURNING options
            """,
            new { ceremonyId, kind = KindText(kind), memberId, now = time.GetUtcNow() },
            cancellationToken: cancellationToken));
    }

    public async Task<PasskeyResponse> AddAsync(Guid organisationId, Guid memberId, NewPasskey passkey, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO member_passkeys (id, organisation_id, member_id, credential_id, public_key, sign_count, transports, aaguid, backed_up, name, created_at)
            SELECT @id, @organisationId, @memberId, @credentialId, @publicKey, @signCount, @transports, @aaGuid, @backedUp, @name, @now
            WHERE EXISTS (SELECT 1 FROM members WHERE id = @memberId AND organisation_id = @organisationId)
            """,
            new
            {
                id, organisationId, memberId, credentialId = passkey.CredentialId, publicKey = passkey.PublicKey, signCount = (long)passkey.SignCount,
                transports = passkey.Transports, aaGuid = passkey.AaGuid, backedUp = passkey.BackedUp, name = passkey.Name, now,
            },
            cancellationToken: cancellationToken));
        return new PasskeyResponse(id, passkey.Name, now, null, passkey.BackedUp);
    }

    /// <summary>Whether no passkey anywhere has this credential id (an authenticator must not be registered twice).</summary>
    public async Task<bool> IsNewCredentialAsync(byte[] credentialId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return !await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM member_passkeys WHERE credential_id = @credentialId)", new { credentialId }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<PasskeyResponse>> ListAsync(Guid organisationId, Guid memberId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<PasskeyRow>(new CommandDefinition(
            """
            SELECT id, name, created_at, last_used_at, backed_up FROM member_passkeys
            WHERE organisation_id = @organisationId AND member_id = @memberId
            ORDER BY created_at, id
            """,
            new { organisationId, memberId },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new PasskeyResponse(r.Id, r.Name, r.CreatedAt, r.LastUsedAt, r.BackedUp))];
    }

    /// <summary>The credential ids a member has, so the browser is told not to register the same authenticator again.</summary>
    public async Task<IReadOnlyList<byte[]>> CredentialIdsAsync(Guid organisationId, Guid memberId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return [.. await conn.QueryAsync<byte[]>(new CommandDefinition(
            "SELECT credential_id FROM member_passkeys WHERE organisation_id = @organisationId AND member_id = @memberId ORDER BY created_at, id",
            new { organisationId, memberId },
            cancellationToken: cancellationToken))];
    }

    public async Task<bool> RemoveAsync(Guid organisationId, Guid memberId, Guid id, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition(
            "DELETE FROM member_passkeys WHERE id = @id AND organisation_id = @organisationId AND member_id = @memberId",
            new { id, organisationId, memberId },
            cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>The passkey an authenticator signed with, by its credential id (any organisation: see the class summary).</summary>
    public async Task<StoredPasskey?> FindAsync(byte[] credentialId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<StoredPasskey>(new CommandDefinition(
            "SELECT id, organisation_id, member_id, credential_id, public_key, sign_count FROM member_passkeys WHERE credential_id = @credentialId",
            new { credentialId },
            cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Records a use: the new counter, only if the stored one is still the one the assertion was checked against, so two
    /// answers signed with the same counter (a replay, a cloned authenticator) cannot both sign in. False when it was not.
    /// </summary>
    public async Task<bool> UsedAsync(StoredPasskey passkey, uint signCount, bool backedUp, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE member_passkeys SET sign_count = @signCount, backed_up = @backedUp, last_used_at = @now
            WHERE id = @id AND sign_count = @stored AND (@signCount > @stored OR (@signCount = 0 AND @stored = 0))
            """,
            new { id = passkey.Id, stored = passkey.SignCount, signCount = (long)signCount, backedUp, now = time.GetUtcNow() },
            cancellationToken: cancellationToken)) == 1;
    }

    private sealed record PasskeyRow
    {
        public Guid Id { get; init; }

        public string Name { get; init; } = string.Empty;

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset? LastUsedAt { get; init; }

        public bool BackedUp { get; init; }
    }

    private static string KindText(CeremonyKind kind) => kind == CeremonyKind.Registration ? "registration" : "assertion";
}
