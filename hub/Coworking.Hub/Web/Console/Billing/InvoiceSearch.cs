using Coworking.Hub.Auth;
using Coworking.Hub.Billing;
using Coworking.Hub.Database;
using Coworking.Hub.Web.Shared;
using Dapper;

namespace Coworking.Hub.Web.Console.Billing;

/// <summary>What the invoice list filters by: status (or overdue), a member's name, e-mail or company or an invoice number, and when it was issued.</summary>
internal sealed record InvoiceFilter(string? Status, string? Text, DateTimeOffset? IssuedFrom, DateTimeOffset? IssuedBefore);

/// <summary>One row of the invoice list.</summary>
internal sealed record InvoiceListRow(
    Guid Id, string Number, InvoiceKind Kind, Guid MemberId, string MemberName, Guid? HomeLocationId, string Currency, long GrossMinor, long AmountDueMinor,
    InvoiceStatus Status, DateTimeOffset IssuedAt, DateTimeOffset DueAt);

/// <summary>Where collecting from one member stands: open invoices, what they owe, card attempts that failed, and whether dunning suspended them.</summary>
internal sealed record DunningState(
    Guid MemberId, string MemberName, int OpenInvoices, string Currency, long OwedMinor, int FailedAttempts, DateTimeOffset? NextAttemptAt,
    DateTimeOffset? OldestDueAt, bool SuspendedByDunning, bool CardSaved);

/// <summary>
/// The console's reads of billing that the API answers only by keyset (newest first): the invoice list sorted and paged
/// by any column, the members whose invoices are overdue or failing, and the credit notes and payments of one invoice.
/// Every query is scoped as <see cref="InvoiceStore"/> scopes it: the caller's organisation, and for a location manager
/// the members whose home location it manages. Writes go through the API's handlers.
/// </summary>
internal sealed class InvoiceSearch(TenantDataSource db, TimeProvider time)
{
    public static readonly string[] Sorts = ["issued", "number", "member", "total", "due", "status"];

    private const string Matching = """
        FROM invoices i JOIN invoice_collection c ON c.invoice_id = i.id JOIN members m ON m.id = i.member_id
        WHERE i.organisation_id = @organisationId
          AND (@scope::uuid[] IS NULL OR m.home_location_id = ANY(@scope))
          AND (@status::text IS NULL OR (@status = 'overdue' AND c.status = 'open' AND i.due_at < @now) OR c.status = @status)
          AND (@from::timestamptz IS NULL OR i.issued_at >= @from)
          AND (@before::timestamptz IS NULL OR i.issued_at < @before)
          AND (@text::text IS NULL OR m.name ILIKE @like ESCAPE '\' OR m.email ILIKE @like ESCAPE '\' OR m.company ILIKE @like ESCAPE '\'
               OR (i.kind = 'invoice' AND @number::bigint IS NOT NULL AND i.number = @number)
               OR (i.kind = 'credit_note' AND @creditNumber::bigint IS NOT NULL AND i.number = @creditNumber))
        """;

    /// <summary>One page of invoices (and credit notes) plus one row, sorted by <see cref="TableQuery.Sort"/>.</summary>
    public async Task<TablePage<InvoiceListRow>> ListAsync(Caller caller, Guid[]? scope, InvoiceFilter filter, TableQuery query, CancellationToken cancellationToken)
    {
        var direction = query.Descending ? "DESC" : "ASC";
        var order = query.Sort switch
        {
            "number" => $"i.kind {direction}, i.number {direction}",
            "member" => $"m.name {direction}, i.issued_at DESC",
            "total" => $"i.gross_minor {direction}, i.issued_at DESC",
            "due" => $"c.amount_due_minor {direction}, i.issued_at DESC",
            "status" => $"c.status {direction}, i.issued_at DESC",
            _ => $"i.issued_at {direction}",
        };
        var text = string.IsNullOrWhiteSpace(filter.Text) ? null : filter.Text.Trim();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<Row>(new CommandDefinition(
            $"""
            SELECT i.id, i.kind, i.number, i.member_id, m.name AS member_name, m.home_location_id, i.currency, i.gross_minor, c.amount_due_minor, c.status,
                   i.issued_at, i.due_at
            {Matching}
            ORDER BY {order}, i.id {direction}
            OFFSET @offset LIMIT @take
            """,
            new
            {
                organisationId = caller.OrganisationId, scope, status = filter.Status, now = time.GetUtcNow(), from = filter.IssuedFrom, before = filter.IssuedBefore,
                text, like = text is null ? null : "%" + Like(text) + "%", number = Number(text, "INV-"), creditNumber = Number(text, "CN-"),
                offset = query.Offset, take = query.Size + 1,
            },
            cancellationToken: cancellationToken));
        return TablePage<InvoiceListRow>.From([.. rows.Select(r => r.ToRow())], query);
    }

    public static readonly string[] DunningSorts = ["failed", "overdue", "owed", "member"];

    /// <summary>Where collecting from one member stands (null when the member is not in the caller's scope).</summary>
    public async Task<DunningState?> DunningOfAsync(Caller caller, Guid[]? scope, Guid memberId, CancellationToken cancellationToken) =>
        (await DunningAsync(caller, scope, memberId, "failed", true, 0, 1, cancellationToken)).FirstOrDefault();

    /// <summary>
    /// One page (plus one row) of the members with an open invoice past its due date or a failed card attempt, or
    /// suspended by dunning, sorted by <see cref="TableQuery.Sort"/>: failed card attempts (then the longest overdue),
    /// oldest due date, amount owed, or name. Its own page, so the invoice list never pays for it.
    /// </summary>
    public async Task<TablePage<DunningState>> DunningPageAsync(Caller caller, Guid[]? scope, TableQuery query, CancellationToken cancellationToken) =>
        TablePage<DunningState>.From(await DunningAsync(caller, scope, null, query.Sort, query.Descending, query.Offset, query.Size + 1, cancellationToken), query);

    private async Task<IReadOnlyList<DunningState>> DunningAsync(
        Caller caller, Guid[]? scope, Guid? memberId, string sort, bool descending, int offset, int limit, CancellationToken cancellationToken)
    {
        var direction = descending ? "DESC" : "ASC";
        var order = sort switch
        {
            "overdue" => $"min(o.due_at) {direction} NULLS LAST",
            "owed" => $"coalesce(sum(o.amount_due_minor), 0) {direction}",
            "member" => $"m.name {direction}",
            _ => $"coalesce(max(o.failed_attempts), 0) {direction}, min(o.due_at) NULLS LAST",
        };
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<DunningRow>(new CommandDefinition(
            $"""
            WITH open AS (
                SELECT i.member_id, i.currency, c.amount_due_minor, c.failed_attempts, c.next_attempt_at, i.due_at
                FROM invoice_collection c JOIN invoices i ON i.id = c.invoice_id
                WHERE c.status = 'open' AND i.kind = 'invoice' AND i.organisation_id = @organisationId
                  AND (@memberId::uuid IS NULL OR i.member_id = @memberId)),
            candidates AS (
                SELECT member_id FROM open WHERE @memberId::uuid IS NOT NULL OR failed_attempts > 0 OR due_at < @now
                UNION SELECT bc.member_id FROM billing_customers bc WHERE bc.suspended_by_dunning AND (@memberId::uuid IS NULL OR bc.member_id = @memberId)
                UNION SELECT @memberId::uuid WHERE @memberId::uuid IS NOT NULL)
            SELECT m.id AS member_id, m.name AS member_name, count(o.member_id)::int AS open_invoices, coalesce(min(o.currency), '') AS currency,
                   coalesce(sum(o.amount_due_minor), 0)::bigint AS owed_minor, coalesce(max(o.failed_attempts), 0) AS failed_attempts,
                   min(o.next_attempt_at) AS next_attempt_at, min(o.due_at) AS oldest_due_at,
                   coalesce(bool_or(bc.suspended_by_dunning), false) AS suspended_by_dunning, coalesce(bool_or(bc.payment_method_id IS NOT NULL), false) AS card_saved
            FROM candidates x JOIN members m ON m.id = x.member_id
                LEFT JOIN billing_customers bc ON bc.member_id = m.id
                LEFT JOIN open o ON o.member_id = m.id
            WHERE m.organisation_id = @organisationId AND (@scope::uuid[] IS NULL OR m.home_location_id = ANY(@scope))
            GROUP BY m.id, m.name
            ORDER BY {order}, m.name, m.id
            OFFSET @offset LIMIT @limit
            """,
            new { organisationId = caller.OrganisationId, scope, memberId, now = time.GetUtcNow(), offset, limit },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToState())];
    }

    /// <summary>The credit notes issued against an invoice, oldest first (the invoice itself was read through the store, so it is in scope).</summary>
    public async Task<IReadOnlyList<InvoiceListRow>> CreditNotesAsync(Caller caller, Guid invoiceId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<Row>(new CommandDefinition(
            """
            SELECT i.id, i.kind, i.number, i.member_id, m.name AS member_name, m.home_location_id, i.currency, i.gross_minor, c.amount_due_minor, c.status,
                   i.issued_at, i.due_at
            FROM invoices i JOIN invoice_collection c ON c.invoice_id = i.id JOIN members m ON m.id = i.member_id
            WHERE i.corrects_id = @invoiceId AND i.organisation_id = @organisationId
            ORDER BY i.issued_at, i.id
            """,
            new { invoiceId, organisationId = caller.OrganisationId },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToRow())];
    }

    private static string Like(string text) => text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);

    /// <summary>The number of "INV-000042" (or "42" for an invoice), or null when the text is not one.</summary>
    private static long? Number(string? text, string prefix)
    {
        if (text is null)
        {
            return null;
        }

        var digits = text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? text[prefix.Length..] : prefix == "INV-" ? text : null;
        return digits is { Length: > 0 and <= 15 } && digits.All(char.IsAsciiDigit) ? long.Parse(digits, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    private sealed record Row
    {
        public Guid Id { get; init; }

        public string Kind { get; init; } = string.Empty;

        public long Number { get; init; }

        public Guid MemberId { get; init; }

        public string MemberName { get; init; } = string.Empty;

        public Guid? HomeLocationId { get; init; }

        public string Currency { get; init; } = string.Empty;

        public long GrossMinor { get; init; }

        public long AmountDueMinor { get; init; }

        public string Status { get; init; } = string.Empty;

        public DateTimeOffset IssuedAt { get; init; }

        public DateTimeOffset DueAt { get; init; }

        public InvoiceListRow ToRow()
        {
            var kind = DbText.Parse<InvoiceKind>(Kind);
            return new InvoiceListRow(
                Id, InvoiceResponse.FormatNumber(kind, Number), kind, MemberId, MemberName, HomeLocationId, Currency.Trim(), GrossMinor, AmountDueMinor,
                DbText.Parse<InvoiceStatus>(Status), IssuedAt, DueAt);
        }
    }

    private sealed record DunningRow
    {
        public Guid MemberId { get; init; }

        public string MemberName { get; init; } = string.Empty;

        public int OpenInvoices { get; init; }

        public string Currency { get; init; } = string.Empty;

        public long OwedMinor { get; init; }

        public int FailedAttempts { get; init; }

        public DateTimeOffset? NextAttemptAt { get; init; }

        public DateTimeOffset? OldestDueAt { get; init; }

        public bool SuspendedByDunning { get; init; }

        public bool CardSaved { get; init; }

        public DunningState ToState() =>
            new(MemberId, MemberName, OpenInvoices, Currency.Trim(), OwedMinor, FailedAttempts, NextAttemptAt, OldestDueAt, SuspendedByDunning, CardSaved);
    }
}
