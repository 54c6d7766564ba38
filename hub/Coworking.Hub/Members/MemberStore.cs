using Coworking.Hub.Access;
using Coworking.Hub.Auth;
using Coworking.Hub.Credentials;
using Coworking.Hub.Database;
using Coworking.Hub.Http;
using System.Text.Json.Serialization;
using Coworking.Hub.Memberships;
using Coworking.Hub.Tiers;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Members;

public enum MemberStatus
{
    Active,
    Paused,
    Suspended,
    Cancelled,
}

/// <summary>A member; <see cref="Credentials"/> is set only in the answer to creating one with credentials.</summary>
public sealed record MemberResponse(
    Guid Id, string Name, string Email, string? Company, MemberStatus Status, Guid? HomeLocationId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<CredentialResponse>? Credentials = null);

internal sealed record NewMember(string Name, string Email, string? Company, MemberStatus Status, Guid? HomeLocationId, IReadOnlyList<NewCredential> Credentials);

/// <summary>Fields to change; null (or absent, for the fields that may be cleared) leaves a field as it is.</summary>
internal sealed record MemberPatch(
    string? Name = null, string? Email = null, Optional<string?> Company = default, Optional<Guid?> HomeLocationId = default, MemberStatus? Status = null);

internal enum MemberWrite
{
    Done,
    NotFound,
    EmailTaken,
    OutsideScope,
    UnknownLocation,
    CardTaken,
    PinTaken,
}

/// <summary>The outcome of a member write; <see cref="Index"/> names the credential at fault.</summary>
internal sealed record MemberWriteResult(MemberWrite Outcome, MemberResponse? Member, int Index = 0);

/// <summary>
/// Members and what their edges must learn when they change: the holder's status, the membership grant at
/// the home location, and — when the home location changes — their credentials moving between logs.
/// </summary>
internal sealed partial class MemberStore(TenantDataSource db, TimeProvider time)
{
    private const string Columns = "id, name, email, company, status, home_location_id, created_at, updated_at";

    /// <summary>Creates a member with its first credentials, and tells its home location's edges, in one transaction.</summary>
    public async Task<MemberWriteResult> CreateAsync(Guid organisationId, NewMember member, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        InsertedMember inserted;
        try
        {
            // The home location is checked (the organisation's own) in the same statement: one round trip less
            // on the busiest write of the API.
            inserted = await conn.QuerySingleAsync<InsertedMember>(new CommandDefinition(
                """
                WITH inserted AS (
                    INSERT INTO members (id, organisation_id, name, email, company, status, home_location_id, created_at, updated_at)
                    SELECT @id, @organisationId, @name, @email, @company, @status, @homeLocationId, @now, @now
                    WHERE @homeLocationId::uuid IS NULL
                       OR EXISTS (SELECT 1 FROM locations WHERE id = @homeLocationId AND organisation_id = @organisationId)
                    RETURNING 1
                )
                SELECT o.pin_key, (SELECT count(*) FROM inserted) AS count FROM organisations o WHERE o.id = @organisationId
                """,
                new { id, organisationId, name = member.Name, email = member.Email, company = member.Company, status = member.Status.ToDb(), homeLocationId = member.HomeLocationId, now },
                tx,
                cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "members_email" })
        {
            return new MemberWriteResult(MemberWrite.EmailTaken, null);
        }

        if (inserted.Count == 0)
        {
            return new MemberWriteResult(MemberWrite.UnknownLocation, null);
        }

        var credentials = new List<CredentialRow>();
        for (var i = 0; i < member.Credentials.Count; i++)
        {
            try
            {
                credentials.Add(await CredentialStore.InsertAsync(conn, tx, organisationId, id, member.Credentials[i], inserted.PinKey, now, cancellationToken));
            }
            catch (PostgresException e) when (CredentialStore.Duplicate(e) is { } taken)
            {
                return new MemberWriteResult(taken == CredentialWrite.PinTaken ? MemberWrite.PinTaken : MemberWrite.CardTaken, null, i);
            }
        }

        var created = new MemberResponse(id, member.Name, member.Email, member.Company, member.Status, member.HomeLocationId, now, now);
        await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.MembersAsync(conn, tx, [id], cancellationToken), now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return new MemberWriteResult(MemberWrite.Done, created with { Credentials = [.. credentials.Select(c => c.ToResponse())] });
    }

    public async Task<MemberResponse?> GetAsync(Guid organisationId, Guid id, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await ReadAsync(conn, null, organisationId, id, forUpdate: false, cancellationToken);
    }

    public async Task<Page<MemberResponse>> ListAsync(
        Guid organisationId, Guid[]? scope, MemberStatus? status, Guid? locationId, int limit, PageCursor? after, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = (await conn.QueryAsync<MemberRow>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM members
            WHERE organisation_id = @organisationId
              AND (@scope::uuid[] IS NULL OR home_location_id = ANY(@scope))
              AND (@status::text IS NULL OR status = @status)
              AND (@locationId::uuid IS NULL OR home_location_id = @locationId)
              AND (@afterAt::timestamptz IS NULL OR (created_at, id) > (@afterAt, @afterId))
            ORDER BY created_at, id
            LIMIT @take
            """,
            new { organisationId, scope, status = status?.ToDb(), locationId, afterAt = after?.At, afterId = after?.Id, take = limit + 1 },
            cancellationToken: cancellationToken))).Select(r => r.ToResponse()).ToList();
        var next = rows.Count > limit ? new PageCursor(rows[limit - 1].CreatedAt, rows[limit - 1].Id).Encode() : null;
        return new Page<MemberResponse>(rows.Take(limit).ToList(), next);
    }

    /// <summary>
    /// Applies <paramref name="patch"/> to a member the caller may manage (before and after the change) and
    /// appends what the member's edges must learn, all in one transaction.
    /// </summary>
    public Task<MemberWriteResult> UpdateAsync(Caller caller, Guid id, MemberPatch patch, CancellationToken cancellationToken) =>
        UpdateAsync(caller.OrganisationId, caller.Actor, caller.Covers, id, patch, cancellationToken);

    /// <summary>
    /// Changes a member's status on the hub's own account (billing's dunning suspends and reinstates), through the same
    /// path as an operator's change, so the edges learn it from the change log.
    /// </summary>
    public Task<MemberWriteResult> SetStatusBySystemAsync(Guid organisationId, Guid id, MemberStatus status, CancellationToken cancellationToken) =>
        UpdateAsync(organisationId, Actor.System, _ => true, id, new MemberPatch(Status: status), cancellationToken);

    private async Task<MemberWriteResult> UpdateAsync(
        Guid organisationId, Actor actor, Func<Guid?, bool> covers, Guid id, MemberPatch patch, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var before = await ReadAsync(conn, tx, organisationId, id, forUpdate: true, cancellationToken);
        if (before is null || !covers(before.HomeLocationId))
        {
            return new MemberWriteResult(MemberWrite.NotFound, null);
        }

        var after = before with
        {
            Name = patch.Name ?? before.Name,
            Email = patch.Email ?? before.Email,
            Company = patch.Company.Or(before.Company),
            HomeLocationId = patch.HomeLocationId.Or(before.HomeLocationId),
            Status = patch.Status ?? before.Status,
            UpdatedAt = now,
        };
        if (!covers(after.HomeLocationId))
        {
            return new MemberWriteResult(MemberWrite.OutsideScope, null);
        }

        try
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE members SET name = @Name, email = @Email, company = @Company, status = @status,
                    home_location_id = @HomeLocationId, updated_at = @UpdatedAt
                WHERE id = @Id
                """,
                new { after.Id, after.Name, after.Email, after.Company, status = after.Status.ToDb(), after.HomeLocationId, after.UpdatedAt },
                tx,
                cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "members_email" })
        {
            return new MemberWriteResult(MemberWrite.EmailTaken, null);
        }

        if (before.Status != after.Status)
        {
            await MemberEvents.AddAsync(
                conn, tx, id, MemberEvents.StatusChanged, new { from = before.Status.ToDb(), to = after.Status.ToDb() }, actor, now, cancellationToken);
        }

        await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.MembersAsync(conn, tx, [id], cancellationToken), now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return new MemberWriteResult(MemberWrite.Done, after);
    }

    internal static async Task<MemberResponse?> ReadAsync(
        NpgsqlConnection conn, NpgsqlTransaction? tx, Guid organisationId, Guid id, bool forUpdate, CancellationToken cancellationToken)
    {
        var row = await conn.QuerySingleOrDefaultAsync<MemberRow>(new CommandDefinition(
            $"SELECT {Columns} FROM members WHERE id = @id AND organisation_id = @organisationId{(forUpdate ? " FOR UPDATE" : string.Empty)}",
            new { id, organisationId },
            tx,
            cancellationToken: cancellationToken));
        return row?.ToResponse();
    }

    private sealed record InsertedMember
    {
        public byte[] PinKey { get; init; } = [];

        public long Count { get; init; }
    }

    private sealed record MemberRow
    {
        public Guid Id { get; init; }

        public string Name { get; init; } = string.Empty;

        public string Email { get; init; } = string.Empty;

        public string? Company { get; init; }

        public string Status { get; init; } = string.Empty;

        public Guid? HomeLocationId { get; init; }

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset UpdatedAt { get; init; }

        public MemberResponse ToResponse() => new(Id, Name, Email, Company, DbText.Parse<MemberStatus>(Status), HomeLocationId, CreatedAt, UpdatedAt);
    }
}
