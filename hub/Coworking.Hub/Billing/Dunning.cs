using Coworking.Hub.Members;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Billing;

/// <summary>
/// Suspension for unpaid invoices and reinstatement when they are paid, through the member's own status path, so
/// every edge learns it from the change log. A member is suspended by dunning when an open invoice has failed
/// <see cref="BillingOptions.SuspendAfterFailures"/> times, and reinstated as soon as no such invoice is left.
/// <see cref="SweepAsync"/> finishes either step if a hub stopped between recording a payment and changing the status; so
/// a member with an invoice out of retries stays suspended until it is paid or credited, even if an operator reinstates them.
/// </summary>
internal sealed class Dunning(Database.TenantDataSource db, MemberStore members, BillingOptions options)
{
    private const string OutOfRetries = """
        EXISTS (SELECT 1 FROM invoices i JOIN invoice_collection c ON c.invoice_id = i.id
                WHERE i.member_id = m.id AND c.status = 'open' AND c.failed_attempts >= @limit)
        """;

    /// <summary>Suspends an active member with an invoice out of retries; true when this call suspended them.</summary>
    public async Task<bool> SuspendAsync(Guid memberId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var organisationId = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            $"""
            UPDATE billing_customers bc SET suspended_by_dunning = true, updated_at = now()
            FROM members m
            WHERE bc.member_id = @memberId AND m.id = bc.member_id AND m.status = 'active' AND {OutOfRetries}
            RETURNING m.organisation_id
            """,
            new { memberId, limit = options.SuspendAfterFailures },
            cancellationToken: cancellationToken));
        if (organisationId is not { } organisation)
        {
            return false;
        }

        await members.SetStatusBySystemAsync(organisation, memberId, MemberStatus.Suspended, cancellationToken);
        return true;
    }

    /// <summary>Reinstates a member dunning suspended once nothing they owe is out of retries; true when this call did.</summary>
    public async Task<bool> PaidAsync(Guid memberId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var organisationId = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            $"""
            SELECT m.organisation_id FROM billing_customers bc JOIN members m ON m.id = bc.member_id
            WHERE bc.member_id = @memberId AND bc.suspended_by_dunning AND NOT {OutOfRetries}
            """,
            new { memberId, limit = options.SuspendAfterFailures },
            cancellationToken: cancellationToken));
        if (organisationId is not { } organisation)
        {
            return false;
        }

        var status = await conn.QuerySingleAsync<string>(new CommandDefinition(
            "SELECT status FROM members WHERE id = @memberId", new { memberId }, cancellationToken: cancellationToken));
        if (status == "suspended")
        {
            await members.SetStatusBySystemAsync(organisation, memberId, MemberStatus.Active, cancellationToken);
        }

        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE billing_customers SET suspended_by_dunning = false, updated_at = now() WHERE member_id = @memberId",
            new { memberId },
            cancellationToken: cancellationToken));
        return true;
    }

    /// <summary>Members whose dunning step was recorded but whose status was not changed yet; answers how many were fixed.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        using var system = Database.TenantScope.System("dunning: overdue invoices of every organisation");
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var toSuspend = await conn.QueryAsync<Guid>(new CommandDefinition(
            $"""
            SELECT m.id FROM members m JOIN billing_customers bc ON bc.member_id = m.id
            WHERE m.status = 'active' AND {OutOfRetries}
            """,
            new { limit = options.SuspendAfterFailures },
            cancellationToken: cancellationToken));
        var toReinstate = await conn.QueryAsync<Guid>(new CommandDefinition(
            $"""
            SELECT m.id FROM members m JOIN billing_customers bc ON bc.member_id = m.id
            WHERE bc.suspended_by_dunning AND NOT {OutOfRetries}
            """,
            new { limit = options.SuspendAfterFailures },
            cancellationToken: cancellationToken));
        var fixedCount = 0;
        foreach (var member in toSuspend)
        {
            fixedCount += await SuspendAsync(member, cancellationToken) ? 1 : 0;
        }

        foreach (var member in toReinstate)
        {
            fixedCount += await PaidAsync(member, cancellationToken) ? 1 : 0;
        }

        return fixedCount;
    }
}
