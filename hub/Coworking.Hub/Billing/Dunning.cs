using Coworking.Hub.Members;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Billing;

/// <summary>
/// What follows a payment: a member that dunning suspended is reinstated as soon as nothing they owe has run out of
/// retries, through the member's own status path, so every edge learns it from the change log.
/// </summary>
internal sealed class Dunning(NpgsqlDataSource db, MemberStore members, BillingOptions options)
{
    public async Task PaidAsync(Guid memberId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var organisationId = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            """
            UPDATE billing_customers bc SET suspended_by_dunning = false, updated_at = now()
            FROM members m
            WHERE bc.member_id = @memberId AND m.id = bc.member_id AND bc.suspended_by_dunning AND m.status = 'suspended'
              AND NOT EXISTS (
                SELECT 1 FROM invoices i JOIN invoice_collection c ON c.invoice_id = i.id
                WHERE i.member_id = @memberId AND c.status = 'open' AND c.failed_attempts >= @limit)
            RETURNING m.organisation_id
            """,
            new { memberId, limit = options.SuspendAfterFailures },
            cancellationToken: cancellationToken));
        if (organisationId is { } organisation)
        {
            await members.SetStatusBySystemAsync(organisation, memberId, MemberStatus.Active, cancellationToken);
        }
    }
}
