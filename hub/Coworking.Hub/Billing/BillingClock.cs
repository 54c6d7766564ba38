using Coworking.Hub.Locations;
using Coworking.Hub.Tiers;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Billing;

/// <summary>
/// Billing's schedules, once a minute (Billing:ScheduleInterval): late fees on invoices past due plus the grace, invoices for what the ledger
/// holds, card attempts due on the retry schedule, dunning steps left unfinished, and renewal reminders. Every step
/// selects what is due by now, so whatever fell due while no hub ran is done on the first tick after; and every step
/// claims its rows (SKIP LOCKED, a source key, or a unique row) so two hub instances never do the same thing twice.
/// </summary>
internal sealed partial class BillingClock(
    Database.TenantDataSource db, InvoiceStore invoices, PaymentCollector collector, Dunning dunning, BillingMail mail, BillingOptions options, TimeProvider time,
    Telemetry.HubMetrics metrics, ILogger<BillingClock> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.RunSchedules)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.ScheduleInterval, time);
        do
        {
            try
            {
                await TickAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or Stripe.StripeException or HttpRequestException)
            {
                LogFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass of every schedule; tests call it with a fake clock.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        using var system = Database.TenantScope.System("the billing clock: every organisation's schedules");
        var fees = await PostLateFeesAsync(cancellationToken);
        var issued = await invoices.IssueDueAsync(cancellationToken);
        metrics.BillingRuns.Add(1);
        if (issued.Count > 0)
        {
            mail.WakeSender();
        }

        var attempts = await collector.CollectDueAsync(cancellationToken);
        var dunned = await dunning.SweepAsync(cancellationToken);
        var reminders = await SendRenewalRemindersAsync(cancellationToken);
        if (fees + issued.Count + attempts + dunned + reminders > 0)
        {
            LogTick(logger, fees, issued.Count, attempts, dunned, reminders);
        }
    }

    /// <summary>
    /// Posts Billing:LateFeeMinor (in the invoice's currency) once for each invoice still open Billing:LateFeeGraceDays after
    /// it fell due; the fee goes on the member's next invoice. Invoices of late fees alone get none.
    /// </summary>
    public async Task<int> PostLateFeesAsync(CancellationToken cancellationToken)
    {
        using var system = Database.TenantScope.System("late fees: open invoices of every organisation");
        if (options.LateFeeMinor <= 0)
        {
            return 0;
        }

        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var late = (await conn.QueryAsync<(Guid Id, Guid OrganisationId, Guid MemberId, Guid? LocationId, string Currency, long Number)>(new CommandDefinition(
            """
            UPDATE invoice_collection c SET late_fee_posted = true, updated_at = @now
            FROM invoices i
            WHERE c.invoice_id = i.id AND c.status = 'open' AND NOT c.late_fee_posted AND i.kind = 'invoice' AND i.due_at <= @cutoff
              AND EXISTS (SELECT 1 FROM invoice_lines l WHERE l.invoice_id = i.id AND l.kind <> 'late_fee')
            RETURNING i.id, i.organisation_id, i.member_id, i.location_id, i.currency::text, i.number
            """,
            new { now, cutoff = now.AddDays(-options.LateFeeGraceDays) },
            tx,
            cancellationToken: cancellationToken))).ToList();
        foreach (var invoice in late)
        {
            await Ledger.PostAsync(conn, tx, new LedgerPosting(
                invoice.OrganisationId, invoice.MemberId, invoice.LocationId, LedgerKind.LateFee,
                $"Late fee: {InvoiceResponse.FormatNumber(InvoiceKind.Invoice, invoice.Number)} unpaid {options.LateFeeGraceDays} days after it was due", 1,
                new Money(options.LateFeeMinor, invoice.Currency), null, null, $"late-fee:{invoice.Id}", now), now, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return late.Count;
    }

    /// <summary>
    /// Reminds each active member Billing:RenewalReminderDays before their period renews, once per period: the reminder row is
    /// claimed (unique per member and period end) in the transaction that queues its e-mail in the durable mail outbox.
    /// </summary>
    public async Task<int> SendRenewalRemindersAsync(CancellationToken cancellationToken)
    {
        using var system = Database.TenantScope.System("renewal reminders: memberships of every organisation");
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var due = (await conn.QueryAsync<(Guid MemberId, Guid OrganisationId, string Name, string Email, Guid TierId, Guid LocationId, string TimeZone, DateTimeOffset PeriodEnd)>(new CommandDefinition(
            """
            WITH claimed AS (
                INSERT INTO renewal_reminders (member_id, period_end, sent_at)
                SELECT ms.member_id, ms.period_end, @now FROM memberships ms JOIN members m ON m.id = ms.member_id
                WHERE m.status = 'active' AND m.home_location_id IS NOT NULL AND ms.period_end > @now AND ms.period_end <= @horizon
                  AND (ms.cancel_at IS NULL OR ms.cancel_at > ms.period_end)
                ON CONFLICT DO NOTHING
                RETURNING member_id, period_end)
            SELECT m.id, m.organisation_id, m.name, m.email, coalesce(ms.pending_tier_id, ms.tier_id), l.id, l.time_zone, c.period_end
            FROM claimed c JOIN members m ON m.id = c.member_id JOIN memberships ms ON ms.member_id = m.id JOIN locations l ON l.id = m.home_location_id
            """,
            new { now, horizon = now.AddDays(options.RenewalReminderDays) },
            tx,
            cancellationToken: cancellationToken))).ToList();
        var reminders = 0;
        foreach (var member in due)
        {
            if (await TierStore.EffectiveAsync(conn, tx, member.OrganisationId, member.TierId, member.LocationId, cancellationToken) is { } tier)
            {
                var renewsOn = ZoneTime.DateOf(member.PeriodEnd, ZoneTime.Zone(member.TimeZone));
                await mail.RenewalReminderAsync(
                    conn, tx, new RenewalMail(member.MemberId, member.Name, member.Email, tier.Name, renewsOn, tier.Terms.PriceMinor, tier.Terms.Currency), cancellationToken);
                reminders++;
            }
        }

        await tx.CommitAsync(cancellationToken);
        if (reminders > 0)
        {
            mail.WakeSender();
        }

        return reminders;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Billing: {LateFees} late fee(s), {Invoices} invoice(s), {Attempts} card attempt(s), {Dunned} dunning step(s), {Reminders} reminder(s)")]
    private static partial void LogTick(ILogger logger, int lateFees, int invoices, int attempts, int dunned, int reminders);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Billing tick failed; retrying at the next tick")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
