using Coworking.Hub.Access;
using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Privacy;

internal enum ErasureWrite
{
    Done,
    NotFound,
    NotRequested,
    AlreadyErased,
}

/// <summary>A member's pending request to be forgotten, as the console lists it.</summary>
internal sealed record ErasureRequest(Guid MemberId, string Name, string Email, Guid? HomeLocationId, DateTimeOffset RequestedAt);

/// <summary>
/// The right to erasure (GDPR art. 17): the member asks in the portal, an operator confirms in the console, and then, in one
/// transaction, every credential is revoked (the access compiler removes the member's grants, so their edges forget them),
/// future bookings and guest passes are cancelled, the member row is pseudonymised ("Erased member 1a2b3c4d"), access events
/// keep the door and the time but no longer name the member or credential, guests they registered are pseudonymised, and
/// sign-in, passkey, calendar and Stripe records are deleted. Issued invoices are kept as the law requires (they are
/// immutable, with the bill-to of the day); the audit trail keeps what was done with the name and address replaced.
/// </summary>
internal sealed class MemberErasure(TenantDataSource db, TimeProvider time)
{
    /// <summary>Records the member's request; asking twice keeps the first time. Answers when it was asked.</summary>
    public async Task<DateTimeOffset> RequestAsync(Guid organisationId, Guid memberId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleAsync<DateTimeOffset>(new CommandDefinition(
            """
            INSERT INTO erasure_requests (member_id, organisation_id, requested_at)
            SELECT id, organisation_id, @now FROM members WHERE id = @memberId AND organisation_id = @organisationId
            ON CONFLICT (member_id) DO UPDATE SET requested_at = erasure_requests.requested_at
            RETURNING requested_at
            """,
            new { organisationId, memberId, now = time.GetUtcNow() },
            cancellationToken: cancellationToken));
    }

    /// <summary>When the member asked, if they did and are not erased yet.</summary>
    public async Task<DateTimeOffset?> PendingSinceAsync(Guid organisationId, Guid memberId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<DateTimeOffset?>(new CommandDefinition(
            "SELECT requested_at FROM erasure_requests WHERE member_id = @memberId AND organisation_id = @organisationId AND erased_at IS NULL",
            new { organisationId, memberId },
            cancellationToken: cancellationToken));
    }

    /// <summary>Requests waiting for an operator, of members in the caller's scope, oldest first.</summary>
    public async Task<IReadOnlyList<ErasureRequest>> PendingAsync(Caller caller, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return [.. await conn.QueryAsync<ErasureRequest>(new CommandDefinition(
            """
            SELECT m.id AS memberid, m.name, m.email, m.home_location_id AS homelocationid, r.requested_at AS requestedat
            FROM erasure_requests r JOIN members m ON m.id = r.member_id
            WHERE r.organisation_id = @organisationId AND r.erased_at IS NULL
              AND (@scope::uuid[] IS NULL OR m.home_location_id = ANY(@scope))
            ORDER BY r.requested_at, m.id
            """,
            new { organisationId = caller.OrganisationId, scope = caller.Scope },
            cancellationToken: cancellationToken))];
    }

    /// <summary>Carries out a requested erasure for an operator who may manage the member (not the front desk).</summary>
    public async Task<ErasureWrite> EraseAsync(Caller caller, Guid memberId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var member = await conn.QuerySingleOrDefaultAsync<(string Name, string Email, Guid? Home, DateTimeOffset? ErasedAt, bool Requested)?>(new CommandDefinition(
            """
            SELECT m.name, m.email, m.home_location_id, r.erased_at, r.member_id IS NOT NULL
            FROM members m LEFT JOIN erasure_requests r ON r.member_id = m.id
            WHERE m.id = @memberId AND m.organisation_id = @organisationId
            FOR UPDATE OF m
            """,
            new { memberId, organisationId = caller.OrganisationId },
            tx,
            cancellationToken: cancellationToken));
        if (member is not { } found || !caller.IsManager || !caller.Covers(found.Home))
        {
            return ErasureWrite.NotFound;
        }

        if (!found.Requested)
        {
            return ErasureWrite.NotRequested;
        }

        if (found.ErasedAt is not null)
        {
            return ErasureWrite.AlreadyErased;
        }

        var pseudonym = $"Erased member {memberId.ToString("N")[..8]}";
        var address = $"erased-{memberId:N}@erased.invalid";
        var args = new { memberId, organisationId = caller.OrganisationId, now, pseudonym, address, found.Name, found.Email, erasedBy = caller.Actor.Id };
        foreach (var sql in ErasureSteps)
        {
            await conn.ExecuteAsync(new CommandDefinition(sql, args, tx, cancellationToken: cancellationToken));
        }

        await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.MembersAsync(conn, tx, [memberId], cancellationToken), now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return ErasureWrite.Done;
    }

    /// <summary>
    /// The statements of an erasure, in order. The audit trail's JSON is rewritten as text with the name and address in
    /// their JSON spelling (to_jsonb escapes them as the stored JSON does), so a record keeps its shape and its action.
    /// </summary>
    private static readonly string[] ErasureSteps =
    [
        "UPDATE credentials SET revoked_at = @now WHERE member_id = @memberId AND revoked_at IS NULL",
        "UPDATE bookings SET cancelled_at = @now WHERE member_id = @memberId AND cancelled_at IS NULL AND ends_at > @now",
        "UPDATE bookings SET note = NULL WHERE member_id = @memberId AND note IS NOT NULL",
        """
        UPDATE visitors SET name = 'Erased guest', email = 'erased-guest-' || replace(id::text, '-', '') || '@erased.invalid',
            cancelled_at = CASE WHEN cancelled_at IS NULL AND ends_at > @now THEN @now ELSE cancelled_at END
        WHERE host_member_id = @memberId
        """,
        "UPDATE access_events SET member_id = NULL, credential_id = NULL WHERE member_id = @memberId AND organisation_id = @organisationId",
        "UPDATE members SET name = @pseudonym, email = @address, company = NULL, status = 'cancelled', updated_at = @now WHERE id = @memberId",
        "UPDATE memberships SET cancel_at = NULL, pending_tier_id = NULL, paused_until = NULL, updated_at = @now WHERE member_id = @memberId",
        "DELETE FROM sessions WHERE actor_kind = 'member' AND actor_id = @memberId",
        "DELETE FROM one_time_tokens WHERE subject_id = @memberId",
        "DELETE FROM member_passkeys WHERE member_id = @memberId",
        "DELETE FROM passkey_ceremonies WHERE member_id = @memberId",
        "DELETE FROM calendar_tokens WHERE member_id = @memberId",
        "DELETE FROM billing_customers WHERE member_id = @memberId",
        """
        DELETE FROM idempotency_keys WHERE organisation_id = @organisationId AND response IS NOT NULL
          AND (position(convert_to(@Email, 'UTF8') IN response) > 0 OR position(convert_to(@Name, 'UTF8') IN response) > 0)
        """,
        """
        UPDATE mail_outbox SET payload = replace(replace(payload::text,
                trim(BOTH '"' FROM to_jsonb(@Name::text)::text), @pseudonym), trim(BOTH '"' FROM to_jsonb(@Email::text)::text), @address)::jsonb
        WHERE payload IS NOT NULL AND (strpos(payload::text, @Email) > 0 OR strpos(payload::text, trim(BOTH '"' FROM to_jsonb(@Name::text)::text)) > 0)
        """,
        """
        UPDATE audit_events SET
            changes = replace(replace(changes::text,
                trim(BOTH '"' FROM to_jsonb(@Name::text)::text), @pseudonym), trim(BOTH '"' FROM to_jsonb(@Email::text)::text), @address)::jsonb,
            before = replace(replace(before::text,
                trim(BOTH '"' FROM to_jsonb(@Name::text)::text), @pseudonym), trim(BOTH '"' FROM to_jsonb(@Email::text)::text), @address)::jsonb,
            after = replace(replace(after::text,
                trim(BOTH '"' FROM to_jsonb(@Name::text)::text), @pseudonym), trim(BOTH '"' FROM to_jsonb(@Email::text)::text), @address)::jsonb
        WHERE organisation_id = @organisationId
          AND (strpos(concat(changes::text, before::text, after::text), @Email) > 0
            OR strpos(concat(changes::text, before::text, after::text), trim(BOTH '"' FROM to_jsonb(@Name::text)::text)) > 0)
        """,
        "UPDATE erasure_requests SET erased_at = @now, erased_by = @erasedBy WHERE member_id = @memberId",
    ];
}
