using Coworking.Hub.Access;
using System.Text.Json;
using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Coworking.Hub.Http;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Billing;

internal enum InvoiceWrite
{
    Done,
    NotFound,
    NotOpen,
    NotAnInvoice,
    TooMuch,
}

internal sealed record InvoiceWriteResult(InvoiceWrite Outcome, InvoiceResponse? Invoice = null);

/// <summary>A line a credit note gives back: an amount (gross when the rate is inclusive, net when exclusive) and why.</summary>
internal sealed record CreditLine(string Description, long AmountMinor);

/// <summary>
/// Issues invoices from the ledger, credit notes against them, and records payments. Numbers come from a counter
/// row per organisation and kind, incremented in the issuing transaction, so they have no gaps; the invoice rows
/// themselves are never updated (the database refuses), only their collection state.
/// </summary>
internal sealed class InvoiceStore(TenantDataSource db, TimeProvider time, BillingOptions options)
{
    internal const string Columns = """
        i.id, i.organisation_id, i.member_id, i.location_id, i.kind, i.number, i.corrects_id, i.currency, i.net_minor, i.tax_minor, i.gross_minor,
        i.tax_summary::text AS tax_summary, i.bill_to::text AS bill_to, i.issued_at, i.due_at,
        c.status, c.amount_due_minor, c.failed_attempts, c.next_attempt_at, c.paid_at,
        EXISTS (SELECT 1 FROM payment_issues pi WHERE pi.invoice_id = i.id AND pi.resolved_at IS NULL) AS flagged
        """;

    private const string FromInvoices = "FROM invoices i JOIN invoice_collection c ON c.invoice_id = i.id JOIN members m ON m.id = i.member_id";

    /// <summary>How many members one transaction of the invoice run invoices.</summary>
    internal const int IssueBatch = 50;

    /// <summary>
    /// Invoices every member whose ledger holds entries billable by now, up to <see cref="IssueBatch"/> members per
    /// transaction. Members whose membership still has something due (a period end the membership clock has not
    /// applied) wait for it, so a period's plan, overage and the changes in it land on one invoice. A member another
    /// hub instance is invoicing is skipped (row lock, SKIP LOCKED) and its entries are re-read under the lock, so
    /// nobody is billed twice. Members are taken in organisation order, so two instances take the organisations'
    /// counter rows in the same order and never deadlock. Each invoice's e-mail is queued in the mail outbox in the
    /// transaction that issues it; the caller wakes the sender. Answers the invoices issued.
    /// </summary>
    public async Task<IReadOnlyList<InvoiceResponse>> IssueDueAsync(CancellationToken cancellationToken)
    {
        using var system = TenantScope.System("the billing run: invoices due in every organisation");
        var now = time.GetUtcNow();
        var issued = new List<InvoiceResponse>();
        var seen = new HashSet<Guid>();
        while (true)
        {
            IReadOnlyList<Guid> members;
            await using (var conn = await db.OpenConnectionAsync(cancellationToken))
            {
                members = [.. await conn.QueryAsync<Guid>(new CommandDefinition(
                    """
                    SELECT DISTINCT le.member_id FROM ledger_entries le
                    WHERE le.invoice_id IS NULL AND le.bill_after <= @now AND le.member_id <> ALL(@seen)
                      AND NOT EXISTS (
                        SELECT 1 FROM memberships ms JOIN members m ON m.id = ms.member_id
                        WHERE ms.member_id = le.member_id AND m.status <> 'cancelled' AND least(ms.period_end, ms.paused_until, ms.cancel_at) <= @now)
                    LIMIT 500
                    """,
                    new { now, seen = seen.ToArray() },
                    cancellationToken: cancellationToken))];
            }

            if (members.Count == 0)
            {
                return issued;
            }

            seen.UnionWith(members);
            foreach (var batch in members.Chunk(IssueBatch))
            {
                issued.AddRange(await IssueForMembersAsync(batch, now, cancellationToken));
            }
        }
    }

    private async Task<IReadOnlyList<InvoiceResponse>> IssueForMembersAsync(Guid[] memberIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var members = (await conn.QueryAsync<MemberRow>(new CommandDefinition(
            """
            SELECT m.id, m.organisation_id, m.name, m.email, m.company, m.home_location_id, l.name AS location_name
            FROM members m LEFT JOIN locations l ON l.id = m.home_location_id
            WHERE m.id = ANY(@memberIds)
            ORDER BY m.organisation_id, m.id
            FOR UPDATE OF m SKIP LOCKED
            """,
            new { memberIds },
            tx,
            cancellationToken: cancellationToken))).ToList();
        if (members.Count == 0)
        {
            return [];
        }

        var entries = (await conn.QueryAsync<EntryRow>(new CommandDefinition(
            """
            SELECT le.member_id, le.id, le.location_id, le.kind, le.description, le.quantity, le.unit_amount_minor, le.currency, le.service_start, le.service_end,
                   t.name AS tax_name, t.parts_per_million AS tax_ppm, t.inclusive AS tax_inclusive
            FROM ledger_entries le JOIN members m ON m.id = le.member_id
                LEFT JOIN location_tax_rates t ON t.location_id = coalesce(le.location_id, m.home_location_id)
            WHERE le.member_id = ANY(@locked) AND le.invoice_id IS NULL AND le.bill_after <= @now
            ORDER BY le.member_id, le.service_start NULLS LAST, le.posted
            FOR UPDATE OF le
            """,
            new { locked = members.Select(m => m.Id).ToArray(), now },
            tx,
            cancellationToken: cancellationToken))).ToLookup(e => e.MemberId);
        var invoices = new List<InvoiceResponse>();
        foreach (var member in members)
        {
            var billTo = new BillTo(member.Name, member.Email, member.Company, member.LocationName);
            foreach (var currency in entries[member.Id].GroupBy(e => e.Currency.Trim()))
            {
                var lines = currency.Select(e => (e, new LineInput(e.Description, e.Quantity, new Money(e.UnitAmountMinor, currency.Key), e.TaxRate))).ToList();
                invoices.Add(await InsertAsync(
                    conn, tx, member.OrganisationId, member.Id, currency.First().LocationId ?? member.HomeLocationId, InvoiceKind.Invoice, null, currency.Key,
                    lines.Select(l => (l.e.Kind, l.Item2, l.e.ServiceStart, l.e.ServiceEnd)).ToList(), [.. currency.Select(e => e.Id)], billTo, now,
                    now.AddDays(options.PaymentTermsDays), cancellationToken));
            }
        }

        // Each invoice's e-mail is queued in the transaction that issues it, so none is issued unmailed.
        await using (var mail = new NpgsqlBatch(conn, tx))
        {
            foreach (var invoice in invoices)
            {
                mail.BatchCommands.Add(BillingMail.InvoiceCommand(invoice, now));
            }

            if (mail.BatchCommands.Count > 0)
            {
                await mail.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        // An invoice with nothing to pay (a free or trial plan) is paid as it is issued, which extends the member's grant.
        var paidOnIssue = invoices.Where(i => i.Status == InvoiceStatus.Paid).Select(i => i.MemberId).ToList();
        await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.MembersAsync(conn, tx, paidOnIssue, cancellationToken), now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return invoices;
    }

    /// <summary>
    /// Writes an invoice or credit note with its lines, its collection row and the next number of its kind, and marks
    /// <paramref name="ledgerEntryIds"/> as billed on it — one statement, so the counter row, locked from here to the
    /// commit, is held for no further round trip and a second hub instance issuing at the same time waits as little as
    /// possible. (Foreign keys are checked at the end of the statement, when the invoice row is there.)
    /// </summary>
    private static async Task<InvoiceResponse> InsertAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid organisationId, Guid memberId, Guid? locationId, InvoiceKind kind, Guid? correctsId, string currency,
        IReadOnlyList<(string Kind, LineInput Line, DateOnly? Start, DateOnly? End)> lines, IReadOnlyList<Guid> ledgerEntryIds, BillTo billTo, DateTimeOffset now,
        DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        var totals = InvoiceTotals.Of(currency, lines.Select(l => l.Line));
        var id = Guid.CreateVersion7(now);
        var summary = totals.ByRate.Select(r => new TaxRateTotal(r.Rate.Name, r.Rate.PartsPerMillion, r.Rate.Inclusive, r.Net.Minor, r.Tax.Minor, r.Gross.Minor)).ToList();
        var rows = totals.Lines.Select((l, i) => new
        {
            position = i + 1, kind = lines[i].Kind, description = l.Input.Description, quantity = l.Input.Quantity,
            unit = l.Input.UnitAmount.Minor, net = l.Amounts.Net.Minor, tax = l.Amounts.Tax.Minor, gross = l.Amounts.Gross.Minor,
            taxname = l.Input.Tax.Name, ppm = l.Input.Tax.PartsPerMillion, inclusive = l.Input.Tax.Inclusive, servicestart = lines[i].Start, serviceend = lines[i].End,
        }).ToList();
        var due = kind == InvoiceKind.Invoice ? Math.Max(0, totals.Gross.Minor) : 0;
        var status = due > 0 ? InvoiceStatus.Open : InvoiceStatus.Paid;
        var number = await conn.QuerySingleAsync<long>(new CommandDefinition(
            """
            WITH counter AS (
                INSERT INTO invoice_counters (organisation_id, kind, last_number) VALUES (@organisationId, @kind, 1)
                ON CONFLICT (organisation_id, kind) DO UPDATE SET last_number = invoice_counters.last_number + 1
                RETURNING last_number),
            invoice AS (
                INSERT INTO invoices (id, organisation_id, member_id, location_id, kind, number, corrects_id, currency, net_minor, tax_minor, gross_minor,
                    tax_summary, bill_to, issued_at, due_at)
                SELECT @id, @organisationId, @memberId, @locationId, @kind, last_number, @correctsId, @currency, @net, @tax, @gross,
                    @summary::jsonb, @billTo::jsonb, @now, @dueAt
                FROM counter
                RETURNING number),
            lines AS (
                INSERT INTO invoice_lines (invoice_id, position, kind, description, quantity, unit_amount_minor, net_minor, tax_minor, gross_minor,
                    tax_name, tax_ppm, tax_inclusive, service_start, service_end)
                SELECT @id, position, kind, description, quantity, unit, net, tax, gross, taxname, ppm, inclusive, servicestart, serviceend
                FROM jsonb_to_recordset(@lines::jsonb) AS l(position integer, kind text, description text, quantity integer, unit bigint, net bigint,
                    tax bigint, gross bigint, taxname text, ppm integer, inclusive boolean, servicestart date, serviceend date)),
            collection AS (
                INSERT INTO invoice_collection (invoice_id, status, amount_due_minor, next_attempt_at, paid_at, updated_at)
                VALUES (@id, @status, @due, @next, @paidAt, @now)),
            billed AS (
                UPDATE ledger_entries SET invoice_id = @id WHERE id = ANY(@ledgerEntryIds))
            SELECT number FROM invoice
            """,
            new
            {
                id, organisationId, memberId, locationId, kind = kind.ToDb(), correctsId, currency, net = totals.Net.Minor, tax = totals.Tax.Minor,
                gross = totals.Gross.Minor, summary = JsonSerializer.Serialize(summary, JsonSerializerOptions.Web),
                billTo = JsonSerializer.Serialize(billTo, JsonSerializerOptions.Web), now, dueAt, lines = JsonSerializer.Serialize(rows, JsonSerializerOptions.Web),
                status = status.ToDb(), due, next = due > 0 ? now : (DateTimeOffset?)null, paidAt = due > 0 ? null : (DateTimeOffset?)now,
                ledgerEntryIds = ledgerEntryIds.ToArray(),
            },
            tx,
            cancellationToken: cancellationToken));
        return new InvoiceResponse(
            id, InvoiceResponse.FormatNumber(kind, number), kind, memberId, locationId, correctsId, currency, totals.Net.Minor, totals.Tax.Minor, totals.Gross.Minor,
            summary, billTo, status, due, 0, due > 0 ? now : null, now, dueAt, due > 0 ? null : now, false,
            [.. rows.Select(r => new InvoiceLineResponse(r.position, r.kind, r.description, r.quantity, r.unit, r.net, r.tax, r.gross, r.taxname, r.ppm, r.inclusive, r.servicestart, r.serviceend))]);
    }

    public async Task<Page<InvoiceResponse>> ListAsync(
        Caller caller, Guid? memberId, InvoiceStatus? status, int limit, PageCursor? after, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = (await conn.QueryAsync<InvoiceRow>(new CommandDefinition(
            $"""
            SELECT {Columns} {FromInvoices}
            WHERE i.organisation_id = @organisationId
              AND (@scope::uuid[] IS NULL OR m.home_location_id = ANY(@scope))
              AND (@memberId::uuid IS NULL OR i.member_id = @memberId)
              AND (@status::text IS NULL OR c.status = @status)
              AND (@afterAt::timestamptz IS NULL OR (i.issued_at, i.id) < (@afterAt, @afterId))
            ORDER BY i.issued_at DESC, i.id DESC
            LIMIT @take
            """,
            new
            {
                organisationId = caller.OrganisationId, scope = caller.Scope, memberId, status = status?.ToDb(), afterAt = after?.At, afterId = after?.Id ?? Guid.Empty,
                take = limit + 1,
            },
            cancellationToken: cancellationToken))).ToList();
        return PageOf.Rows(rows, limit, r => new PageCursor(r.IssuedAt, r.Id), r => r.ToResponse(null));
    }

    public async Task<InvoiceResponse?> GetAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await ReadAsync(conn, null, caller, id, cancellationToken);
    }

    internal static async Task<InvoiceResponse?> ReadAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Caller? caller, Guid id, CancellationToken cancellationToken)
    {
        var row = await conn.QuerySingleOrDefaultAsync<InvoiceRow>(new CommandDefinition(
            $"""
            SELECT {Columns}, m.home_location_id {FromInvoices}
            WHERE i.id = @id AND (@organisationId::uuid IS NULL OR i.organisation_id = @organisationId)
            """,
            new { id, organisationId = caller?.OrganisationId },
            tx,
            cancellationToken: cancellationToken));
        if (row is null || (caller is not null && !caller.Covers(row.HomeLocationId)))
        {
            return null;
        }

        var lines = await conn.QueryAsync<InvoiceLineResponse>(new CommandDefinition(
            """
            SELECT position, kind, description, quantity, unit_amount_minor AS unitamountminor, net_minor AS netminor, tax_minor AS taxminor,
                   gross_minor AS grossminor, tax_name AS taxname, tax_ppm AS taxpartspermillion, tax_inclusive AS taxinclusive,
                   service_start AS servicestart, service_end AS serviceend
            FROM invoice_lines WHERE invoice_id = @id ORDER BY position
            """,
            new { id },
            tx,
            cancellationToken: cancellationToken));
        return row.ToResponse([.. lines]);
    }

    /// <summary>Every line of the caller's invoices issued in [from, to), for the accounting export.</summary>
    public async Task<IReadOnlyList<(InvoiceResponse Invoice, InvoiceLineResponse Line)>> LinesAsync(
        Caller caller, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var invoices = (await conn.QueryAsync<InvoiceRow>(new CommandDefinition(
            $"""
            SELECT {Columns} {FromInvoices}
            WHERE i.organisation_id = @organisationId AND (@scope::uuid[] IS NULL OR m.home_location_id = ANY(@scope))
              AND (@from::timestamptz IS NULL OR i.issued_at >= @from) AND (@to::timestamptz IS NULL OR i.issued_at < @to)
            ORDER BY i.issued_at, i.id
            """,
            new { organisationId = caller.OrganisationId, scope = caller.Scope, from, to },
            cancellationToken: cancellationToken))).ToDictionary(r => r.Id, r => r.ToResponse(null));
        var lines = await conn.QueryAsync<LineRow>(new CommandDefinition(
            """
            SELECT invoice_id, position, kind, description, quantity, unit_amount_minor, net_minor, tax_minor, gross_minor,
                   tax_name, tax_ppm, tax_inclusive, service_start, service_end
            FROM invoice_lines WHERE invoice_id = ANY(@ids) ORDER BY invoice_id, position
            """,
            new { ids = invoices.Keys.ToArray() },
            cancellationToken: cancellationToken));
        return [.. lines.Select(l => (invoices[l.InvoiceId], l.ToResponse())).OrderBy(p => p.Item1.IssuedAt).ThenBy(p => p.Item1.Id).ThenBy(p => p.Item2.Position)];
    }

    /// <summary>
    /// Records a payment of the whole amount due, made outside Stripe (bank transfer, cash) or by card through Stripe
    /// (<paramref name="paymentIntentId"/>, which is unique, so a replayed event pays once).
    /// </summary>
    public async Task<InvoiceWriteResult> RecordPaymentAsync(
        Caller? caller, Guid organisationId, Guid invoiceId, PaymentMethodKind method, string? reference, string? paymentIntentId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var outcome = await PayAsync(conn, tx, caller, organisationId, invoiceId, method, reference, paymentIntentId, now, cancellationToken);
        if (outcome != InvoiceWrite.Done)
        {
            return new InvoiceWriteResult(outcome);
        }

        var invoice = await ReadAsync(conn, tx, caller, invoiceId, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return new InvoiceWriteResult(InvoiceWrite.Done, invoice);
    }

    internal static async Task<InvoiceWrite> PayAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Caller? caller, Guid organisationId, Guid invoiceId, PaymentMethodKind method, string? reference,
        string? paymentIntentId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var open = await conn.QuerySingleOrDefaultAsync<(long Due, string Status, string Currency, Guid? Home, string Kind, Guid MemberId)?>(new CommandDefinition(
            """
            SELECT c.amount_due_minor, c.status, i.currency, m.home_location_id, i.kind, m.id
            FROM invoice_collection c JOIN invoices i ON i.id = c.invoice_id JOIN members m ON m.id = i.member_id
            WHERE c.invoice_id = @invoiceId AND i.organisation_id = @organisationId
            FOR UPDATE OF c
            """,
            new { invoiceId, organisationId },
            tx,
            cancellationToken: cancellationToken));
        if (open is not { } row || (caller is not null && !caller.Covers(row.Home)))
        {
            return InvoiceWrite.NotFound;
        }

        if (row.Kind != InvoiceKind.Invoice.ToDb())
        {
            return InvoiceWrite.NotAnInvoice;
        }

        if (row.Status != InvoiceStatus.Open.ToDb())
        {
            return InvoiceWrite.NotOpen;
        }

        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO payments (id, invoice_id, amount_minor, currency, method, reference, payment_intent_id, actor_kind, actor_id, paid_at)
            VALUES (@id, @invoiceId, @due, @currency, @method, @reference, @paymentIntentId, @actorKind, @actorId, @now);
            UPDATE invoice_collection SET status = 'paid', amount_due_minor = 0, next_attempt_at = NULL, paid_at = @now, updated_at = @now
            WHERE invoice_id = @invoiceId;
            """,
            new { id = Guid.CreateVersion7(now), invoiceId, due = row.Due, currency = row.Currency.Trim(), method = method.ToDb(), reference, paymentIntentId, actorKind = (caller?.Actor ?? Actor.System).Kind.ToDb(), actorId = caller?.Actor.Id, now },
            tx,
            cancellationToken: cancellationToken));

        // A paid plan period extends the member's grant to its end plus the location's grace (ARCHITECTURE §3).
        await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.MembersAsync(conn, tx, [row.MemberId], cancellationToken), now, cancellationToken);
        return InvoiceWrite.Done;
    }

    /// <summary>
    /// Issues a credit note against an invoice: the given lines (each a positive amount given back) or, without lines,
    /// the whole invoice line by line. It lowers what is due on the invoice; credit beyond that is refunded outside the hub.
    /// </summary>
    public async Task<InvoiceWriteResult> CreditAsync(Caller caller, Guid invoiceId, IReadOnlyList<CreditLine>? credit, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM invoice_collection WHERE invoice_id = @invoiceId FOR UPDATE", new { invoiceId }, tx, cancellationToken: cancellationToken));
        var invoice = await ReadAsync(conn, tx, caller, invoiceId, cancellationToken);
        if (invoice is null)
        {
            return new InvoiceWriteResult(InvoiceWrite.NotFound);
        }

        if (invoice.Kind != InvoiceKind.Invoice)
        {
            return new InvoiceWriteResult(InvoiceWrite.NotAnInvoice);
        }

        var credited = await conn.QuerySingleAsync<long>(new CommandDefinition(
            "SELECT coalesce(sum(-gross_minor), 0)::bigint FROM invoices WHERE corrects_id = @invoiceId", new { invoiceId }, tx, cancellationToken: cancellationToken));
        var firstRate = invoice.Lines!.FirstOrDefault() is { } first ? new TaxRate(first.TaxName, first.TaxPartsPerMillion, first.TaxInclusive) : TaxRate.None;
        var lines = credit is null
            ? invoice.Lines!.Select(l => (l.Kind, new LineInput(l.Description, l.Quantity, new Money(-l.UnitAmountMinor, invoice.Currency), new TaxRate(l.TaxName, l.TaxPartsPerMillion, l.TaxInclusive)), l.ServiceStart, l.ServiceEnd)).ToList()
            : credit.Select(c => ("adjustment", new LineInput(c.Description, 1, new Money(-c.AmountMinor, invoice.Currency), firstRate), (DateOnly?)null, (DateOnly?)null)).ToList();
        var gross = -InvoiceTotals.Of(invoice.Currency, lines.Select(l => l.Item2)).Gross.Minor;
        if (gross + credited > invoice.GrossMinor)
        {
            return new InvoiceWriteResult(InvoiceWrite.TooMuch);
        }

        var note = await InsertAsync(
            conn, tx, caller.OrganisationId, invoice.MemberId, invoice.LocationId, InvoiceKind.CreditNote, invoiceId, invoice.Currency, lines, [], invoice.BillTo, now, now, cancellationToken);
        var due = Math.Max(0, invoice.AmountDueMinor - gross);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE invoice_collection SET amount_due_minor = @due,
                status = CASE WHEN status = 'open' AND @due = 0 THEN 'credited' ELSE status END,
                next_attempt_at = CASE WHEN @due = 0 THEN NULL ELSE next_attempt_at END, updated_at = @now
            WHERE invoice_id = @invoiceId
            """,
            new { due, invoiceId, now },
            tx,
            cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return new InvoiceWriteResult(InvoiceWrite.Done, note);
    }

    /// <summary>A member's balance per currency, the entries waiting for the next invoice, and the payments made.</summary>
    public async Task<BillingSummary?> SummaryAsync(Caller caller, Guid memberId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var home = await conn.QuerySingleOrDefaultAsync<(Guid Id, Guid? Home)?>(new CommandDefinition(
            "SELECT id, home_location_id FROM members WHERE id = @memberId AND organisation_id = @organisationId",
            new { memberId, organisationId = caller.OrganisationId },
            cancellationToken: cancellationToken));
        if (home is not { } found || !caller.Covers(found.Home))
        {
            return null;
        }

        var balance = await conn.QueryAsync<CurrencyBalance>(new CommandDefinition(
            """
            SELECT i.currency::text AS currency, sum(c.amount_due_minor)::bigint AS amountdueminor, count(*)::int AS openinvoices
            FROM invoices i JOIN invoice_collection c ON c.invoice_id = i.id
            WHERE i.member_id = @memberId AND c.status = 'open'
            GROUP BY i.currency ORDER BY i.currency
            """,
            new { memberId },
            cancellationToken: cancellationToken));
        var upcoming = await conn.QueryAsync<UpcomingCharge>(new CommandDefinition(
            """
            SELECT kind, description, quantity, unit_amount_minor AS unitamountminor, currency::text AS currency, service_start AS servicestart,
                   service_end AS serviceend, bill_after AS billafter
            FROM ledger_entries WHERE member_id = @memberId AND invoice_id IS NULL
            ORDER BY bill_after, posted
            """,
            new { memberId },
            cancellationToken: cancellationToken));
        var payments = await conn.QueryAsync<PaymentRow>(new CommandDefinition(
            """
            SELECT p.id, p.invoice_id, p.amount_minor, p.currency, p.method, p.reference, p.paid_at
            FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.member_id = @memberId
            ORDER BY p.paid_at DESC, p.id DESC
            """,
            new { memberId },
            cancellationToken: cancellationToken));
        return new BillingSummary(
            memberId, [.. balance.Select(b => b with { Currency = b.Currency.Trim() })], [.. upcoming.Select(u => u with { Currency = u.Currency.Trim() })],
            [.. payments.Select(p => p.ToResponse())]);
    }

    private sealed record MemberRow
    {
        public Guid Id { get; init; }

        public Guid OrganisationId { get; init; }

        public string Name { get; init; } = string.Empty;

        public string Email { get; init; } = string.Empty;

        public string? Company { get; init; }

        public Guid? HomeLocationId { get; init; }

        public string? LocationName { get; init; }
    }

    private sealed record EntryRow
    {
        public Guid MemberId { get; init; }

        public Guid Id { get; init; }

        public Guid? LocationId { get; init; }

        public string Kind { get; init; } = string.Empty;

        public string Description { get; init; } = string.Empty;

        public int Quantity { get; init; }

        public long UnitAmountMinor { get; init; }

        public string Currency { get; init; } = string.Empty;

        public DateOnly? ServiceStart { get; init; }

        public DateOnly? ServiceEnd { get; init; }

        public string? TaxName { get; init; }

        public int? TaxPpm { get; init; }

        public bool? TaxInclusive { get; init; }

        public TaxRate TaxRate => TaxName is null ? TaxRate.None : new TaxRate(TaxName, TaxPpm!.Value, TaxInclusive!.Value);
    }

    internal sealed record InvoiceRow
    {
        public Guid Id { get; init; }

        public Guid OrganisationId { get; init; }

        public Guid MemberId { get; init; }

        public Guid? LocationId { get; init; }

        public string Kind { get; init; } = string.Empty;

        public long Number { get; init; }

        public Guid? CorrectsId { get; init; }

        public string Currency { get; init; } = string.Empty;

        public long NetMinor { get; init; }

        public long TaxMinor { get; init; }

        public long GrossMinor { get; init; }

        public string TaxSummary { get; init; } = "[]";

        public string BillTo { get; init; } = "{}";

        public DateTimeOffset IssuedAt { get; init; }

        public DateTimeOffset DueAt { get; init; }

        public string Status { get; init; } = string.Empty;

        public long AmountDueMinor { get; init; }

        public int FailedAttempts { get; init; }

        public DateTimeOffset? NextAttemptAt { get; init; }

        public DateTimeOffset? PaidAt { get; init; }

        public bool Flagged { get; init; }

        public Guid? HomeLocationId { get; init; }

        public InvoiceResponse ToResponse(IReadOnlyList<InvoiceLineResponse>? lines)
        {
            var kind = DbText.Parse<InvoiceKind>(Kind);
            return new InvoiceResponse(
                Id, InvoiceResponse.FormatNumber(kind, Number), kind, MemberId, LocationId, CorrectsId, Currency.Trim(), NetMinor, TaxMinor, GrossMinor,
                JsonSerializer.Deserialize<List<TaxRateTotal>>(TaxSummary, JsonSerializerOptions.Web)!,
                JsonSerializer.Deserialize<BillTo>(BillTo, JsonSerializerOptions.Web)!,
                DbText.Parse<InvoiceStatus>(Status), AmountDueMinor, FailedAttempts, NextAttemptAt, IssuedAt, DueAt, PaidAt, Flagged, lines);
        }
    }

    private sealed record LineRow
    {
        public Guid InvoiceId { get; init; }

        public int Position { get; init; }

        public string Kind { get; init; } = string.Empty;

        public string Description { get; init; } = string.Empty;

        public int Quantity { get; init; }

        public long UnitAmountMinor { get; init; }

        public long NetMinor { get; init; }

        public long TaxMinor { get; init; }

        public long GrossMinor { get; init; }

        public string TaxName { get; init; } = string.Empty;

        public int TaxPpm { get; init; }

        public bool TaxInclusive { get; init; }

        public DateOnly? ServiceStart { get; init; }

        public DateOnly? ServiceEnd { get; init; }

        public InvoiceLineResponse ToResponse() =>
            new(Position, Kind, Description, Quantity, UnitAmountMinor, NetMinor, TaxMinor, GrossMinor, TaxName, TaxPpm, TaxInclusive, ServiceStart, ServiceEnd);
    }

    private sealed record PaymentRow
    {
        public Guid Id { get; init; }

        public Guid InvoiceId { get; init; }

        public long AmountMinor { get; init; }

        public string Currency { get; init; } = string.Empty;

        public string Method { get; init; } = string.Empty;

        public string? Reference { get; init; }

        public DateTimeOffset PaidAt { get; init; }

        public PaymentResponse ToResponse() => new(Id, InvoiceId, AmountMinor, Currency.Trim(), DbText.Parse<PaymentMethodKind>(Method), Reference, PaidAt);
    }
}
