using Dapper;

namespace Coworking.Hub.Reports;

/// <summary>
/// One location, month, currency and product category: what was invoiced (net of tax, and gross), what credit notes gave
/// back, the revenue that leaves, and what was collected — money in minor units of <see cref="Currency"/> only.
/// </summary>
public sealed record RevenueRow(
    Guid LocationId, string Location, string Month, string Currency, string Category, long InvoicedNetMinor, long CreditedNetMinor, long NetRevenueMinor,
    long InvoicedGrossMinor, long CreditedGrossMinor, long CollectedMinor);

/// <summary>The same figures over every location in the report, per month, currency and category (the consolidated view).</summary>
public sealed record RevenueTotal(
    string Month, string Currency, string Category, long InvoicedNetMinor, long CreditedNetMinor, long NetRevenueMinor, long InvoicedGrossMinor,
    long CreditedGrossMinor, long CollectedMinor);

public sealed record RevenueReportResponse(string From, string To, Guid? LocationId, Guid? TierId, IReadOnlyList<RevenueRow> Rows, IReadOnlyList<RevenueTotal> Totals);

/// <summary>Revenue by product category, location and month, less credit notes, and collected (docs/REPORTS.md, "Revenue").</summary>
internal sealed class RevenueReport(IReportsDatabase db)
{
    /// <summary>Invoices and credit notes issued in the period at the locations asked for, each in its location's month.</summary>
    private const string Documents =
        """
        docs AS MATERIALIZED (
            SELECT i.id, i.kind, i.corrects_id, i.currency, l.id AS location_id, l.name AS location_name,
                   date_trunc('month', i.issued_at AT TIME ZONE l.time_zone)::date AS month
            FROM invoices i
                JOIN members m ON m.id = i.member_id
                JOIN locations l ON l.id = coalesce(i.location_id, m.home_location_id)
            WHERE i.organisation_id = @organisationId
              AND (@scope::uuid[] IS NULL OR l.id = ANY(@scope))
              AND (@locationId::uuid IS NULL OR l.id = @locationId)
              AND i.issued_at >= @earliest AND i.issued_at < @latest
              AND (i.issued_at AT TIME ZONE l.time_zone) >= @from AND (i.issued_at AT TIME ZONE l.time_zone) < @to
        ),
        target AS MATERIALIZED (
            SELECT id AS invoice_id FROM docs WHERE kind = 'invoice'
            UNION SELECT corrects_id FROM docs WHERE kind = 'credit_note'
        ),
        """;

    private const string InvoicedSql =
        "WITH " + Documents + "\n" + InvoiceLineCategories.Ctes + "\n" +
        """
        ,
        lines AS (
            SELECT d.location_id, d.location_name, d.month, d.currency, d.kind, il.net_minor, il.gross_minor,
                   coalesce(c.category, 'credit_note') AS category, c.tier_id
            FROM docs d JOIN invoice_lines il ON il.invoice_id = d.id
        """ + "\n" + InvoiceLineCategories.OriginalLine + "\n" +
        """
        )
        SELECT location_id, location_name AS location, month, trim(currency) AS currency, category,
               coalesce(sum(net_minor) FILTER (WHERE kind = 'invoice'), 0)::bigint AS invoiced_net_minor,
               coalesce(-sum(net_minor) FILTER (WHERE kind = 'credit_note'), 0)::bigint AS credited_net_minor,
               coalesce(sum(gross_minor) FILTER (WHERE kind = 'invoice'), 0)::bigint AS invoiced_gross_minor,
               coalesce(-sum(gross_minor) FILTER (WHERE kind = 'credit_note'), 0)::bigint AS credited_gross_minor
        FROM lines
        WHERE @tierId::uuid IS NULL OR tier_id = @tierId
        GROUP BY location_id, location_name, month, currency, category
        """;

    /// <summary>
    /// Payments received in the period, each shared over the categories of its invoice (its lines and the credit notes
    /// issued before the payment) in proportion to their gross, by the largest remainder so the shares add up to the
    /// payment exactly. An invoice is paid only while something is due, so its gross after credit notes is positive.
    /// </summary>
    private const string CollectedSql =
        """
        WITH paid AS MATERIALIZED (
            SELECT p.id, p.amount_minor, p.invoice_id, p.paid_at, i.currency, l.id AS location_id, l.name AS location_name,
                   date_trunc('month', p.paid_at AT TIME ZONE l.time_zone)::date AS month
            FROM payments p
                JOIN invoices i ON i.id = p.invoice_id
                JOIN members m ON m.id = i.member_id
                JOIN locations l ON l.id = coalesce(i.location_id, m.home_location_id)
            WHERE i.organisation_id = @organisationId
              AND (@scope::uuid[] IS NULL OR l.id = ANY(@scope))
              AND (@locationId::uuid IS NULL OR l.id = @locationId)
              AND p.paid_at >= @earliest AND p.paid_at < @latest
              AND (p.paid_at AT TIME ZONE l.time_zone) >= @from AND (p.paid_at AT TIME ZONE l.time_zone) < @to
        ),
        target AS MATERIALIZED (SELECT DISTINCT invoice_id FROM paid),
        """ + "\n" + InvoiceLineCategories.Ctes + "\n" +
        """
        ,
        paid_docs AS (
            SELECT p.id AS payment_id, d.* FROM paid p JOIN invoices d ON d.id = p.invoice_id
            UNION ALL
            SELECT p.id, d.* FROM paid p JOIN invoices d ON d.corrects_id = p.invoice_id AND d.issued_at <= p.paid_at
        ),
        weights AS (
            SELECT d.payment_id, coalesce(c.category, 'credit_note') AS category, c.tier_id, sum(il.gross_minor)::numeric AS gross
            FROM paid_docs d JOIN invoice_lines il ON il.invoice_id = d.id
        """ + "\n" + InvoiceLineCategories.OriginalLine + "\n" +
        """
            GROUP BY d.payment_id, coalesce(c.category, 'credit_note'), c.tier_id
        ),
        shares AS (
            SELECT w.*, p.amount_minor, p.location_id, p.location_name, p.month, p.currency,
                   p.amount_minor * w.gross / sum(w.gross) OVER (PARTITION BY w.payment_id) AS exact
            FROM weights w JOIN paid p ON p.id = w.payment_id
        ),
        ranked AS (
            SELECT s.*, floor(s.exact) AS base,
                   s.amount_minor - sum(floor(s.exact)) OVER (PARTITION BY s.payment_id) AS remainder,
                   row_number() OVER (PARTITION BY s.payment_id ORDER BY s.exact - floor(s.exact) DESC, s.category, s.tier_id) AS rank
            FROM shares s
        )
        SELECT location_id, location_name AS location, month, trim(currency) AS currency, category,
               sum(base + CASE WHEN rank <= remainder THEN 1 ELSE 0 END)::bigint AS collected_minor
        FROM ranked
        WHERE @tierId::uuid IS NULL OR tier_id = @tierId
        GROUP BY location_id, location_name, month, currency, category
        """;

    public async Task<RevenueReportResponse> RunAsync(ReportFilter filter, CancellationToken cancellationToken)
    {
        var args = new
        {
            organisationId = filter.Caller.OrganisationId, scope = filter.Scope, filter.LocationId, filter.TierId,
            from = filter.Period.From.ToDateTime(TimeOnly.MinValue), to = filter.Period.EndExclusive.ToDateTime(TimeOnly.MinValue),
            earliest = filter.Period.EarliestInstant, latest = filter.Period.LatestInstant,
        };
        await using var snapshot = await db.OpenSnapshotAsync(cancellationToken);
        // The planner cannot estimate the local-month filters (an expression of the invoice and its location's zone): it
        // expects a few dozen documents where a year has tens of thousands, and nested loops over them rescan the
        // materialised categories per line (minutes over three years). Hash joins are right at every size a report sees.
        await snapshot.Connection.ExecuteAsync(new CommandDefinition("SET LOCAL enable_nestloop = off", transaction: snapshot.Transaction, cancellationToken: cancellationToken));
        var invoiced = await snapshot.Connection.QueryAsync<InvoicedRow>(new CommandDefinition(InvoicedSql, args, snapshot.Transaction, cancellationToken: cancellationToken));
        var collected = await snapshot.Connection.QueryAsync<CollectedRow>(new CommandDefinition(CollectedSql, args, snapshot.Transaction, cancellationToken: cancellationToken));

        var rows = new Dictionary<(Guid, DateOnly, string, string), RevenueRow>();
        RevenueRow Row(Guid location, string name, DateOnly month, string currency, string category) =>
            rows.TryGetValue((location, month, currency, category), out var row)
                ? row
                : new RevenueRow(location, name, ReportPeriod.Format(month), currency, category, 0, 0, 0, 0, 0, 0);
        foreach (var r in invoiced)
        {
            var month = r.Month;
            rows[(r.LocationId, month, r.Currency, r.Category)] = Row(r.LocationId, r.Location, month, r.Currency, r.Category) with
            {
                InvoicedNetMinor = r.InvoicedNetMinor, CreditedNetMinor = r.CreditedNetMinor, NetRevenueMinor = r.InvoicedNetMinor - r.CreditedNetMinor,
                InvoicedGrossMinor = r.InvoicedGrossMinor, CreditedGrossMinor = r.CreditedGrossMinor,
            };
        }

        foreach (var r in collected)
        {
            var month = r.Month;
            rows[(r.LocationId, month, r.Currency, r.Category)] = Row(r.LocationId, r.Location, month, r.Currency, r.Category) with { CollectedMinor = r.CollectedMinor };
        }

        var ordered = rows.Values
            .OrderBy(r => r.Location, StringComparer.Ordinal).ThenBy(r => r.LocationId).ThenBy(r => r.Month, StringComparer.Ordinal)
            .ThenBy(r => r.Currency, StringComparer.Ordinal).ThenBy(r => Rank(r.Category)).ToList();
        var totals = ordered
            .GroupBy(r => (r.Month, r.Currency, r.Category))
            .Select(g => new RevenueTotal(
                g.Key.Month, g.Key.Currency, g.Key.Category, g.Sum(r => r.InvoicedNetMinor), g.Sum(r => r.CreditedNetMinor), g.Sum(r => r.NetRevenueMinor),
                g.Sum(r => r.InvoicedGrossMinor), g.Sum(r => r.CreditedGrossMinor), g.Sum(r => r.CollectedMinor)))
            .OrderBy(t => t.Month, StringComparer.Ordinal).ThenBy(t => t.Currency, StringComparer.Ordinal).ThenBy(t => Rank(t.Category)).ToList();
        return new RevenueReportResponse(
            ReportPeriod.Format(filter.Period.From), ReportPeriod.Format(filter.Period.To), filter.LocationId, filter.TierId, ordered, totals);
    }

    private static int Rank(string category)
    {
        var index = Array.IndexOf(InvoiceLineCategories.All, category);
        return index < 0 ? int.MaxValue : index;
    }

    private sealed record InvoicedRow(
        Guid LocationId, string Location, DateOnly Month, string Currency, string Category, long InvoicedNetMinor, long CreditedNetMinor, long InvoicedGrossMinor,
        long CreditedGrossMinor);

    private sealed record CollectedRow(Guid LocationId, string Location, DateOnly Month, string Currency, string Category, long CollectedMinor);
}
