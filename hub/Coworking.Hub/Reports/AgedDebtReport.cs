using Coworking.Hub.Auth;
using Dapper;

namespace Coworking.Hub.Reports;

/// <summary>
/// What members of one location owed at <see cref="AgedDebtResponse.At"/> in one currency, by how many days past its due
/// date each invoice was: not yet due, 0–30, 31–60, 61–90 and over 90 days.
/// </summary>
public sealed record AgedDebtRow(
    Guid LocationId, string Location, string Currency, long NotDueMinor, long Days0To30Minor, long Days31To60Minor, long Days61To90Minor, long Over90Minor,
    long TotalMinor, int Invoices);

/// <summary>The buckets over every location in the report, per currency.</summary>
public sealed record AgedDebtTotal(
    string Currency, long NotDueMinor, long Days0To30Minor, long Days31To60Minor, long Days61To90Minor, long Over90Minor, long TotalMinor, int Invoices);

public sealed record AgedDebtResponse(DateTimeOffset At, Guid? LocationId, IReadOnlyList<AgedDebtRow> Rows, IReadOnlyList<AgedDebtTotal> Totals);

/// <summary>Outstanding and aged debt as it stood at an instant (docs/REPORTS.md, "Aged debt").</summary>
internal sealed class AgedDebtReport(IReportsDatabase db)
{
    /// <summary>
    /// Each invoice issued by then, less the credit notes issued and the payments received by then; an invoice settled by
    /// then (paid, or credited to nothing) is passed over without adding up its history; the credit notes and payments of
    /// the rest are summed once per invoice and hash-joined (a correlated sum per invoice, evaluated for the filter and
    /// again for the total, took twice as long over 10,000 members). Days overdue are counted between local dates of the
    /// invoice's location.
    /// </summary>
    private const string Sql =
        """
        WITH open AS MATERIALIZED (
            SELECT i.id, i.gross_minor, i.currency, i.due_at, coalesce(i.location_id, m.home_location_id) AS location_id
            FROM invoices i
                JOIN invoice_collection c ON c.invoice_id = i.id
                JOIN members m ON m.id = i.member_id
            WHERE i.organisation_id = @organisationId AND i.kind = 'invoice' AND i.issued_at <= @at
              AND NOT (c.status = 'paid' AND c.paid_at <= @at)
              AND NOT (c.status = 'credited' AND c.updated_at <= @at)
        ),
        credited AS (
            SELECT cn.corrects_id AS id, sum(cn.gross_minor) AS minor FROM invoices cn
            WHERE cn.corrects_id IN (SELECT id FROM open) AND cn.issued_at <= @at GROUP BY cn.corrects_id
        ),
        received AS (
            SELECT p.invoice_id AS id, sum(p.amount_minor) AS minor FROM payments p
            WHERE p.invoice_id IN (SELECT id FROM open) AND p.paid_at <= @at GROUP BY p.invoice_id
        ),
        owed AS (
            SELECT l.id AS location_id, l.name AS location_name, trim(o.currency) AS currency,
                   greatest(0, o.gross_minor + coalesce(cr.minor, 0) - coalesce(rc.minor, 0)) AS outstanding,
                   (@at AT TIME ZONE l.time_zone)::date - (o.due_at AT TIME ZONE l.time_zone)::date AS days
            FROM open o
                JOIN locations l ON l.id = o.location_id
                LEFT JOIN credited cr ON cr.id = o.id
                LEFT JOIN received rc ON rc.id = o.id
            WHERE (@scope::uuid[] IS NULL OR l.id = ANY(@scope))
              AND (@locationId::uuid IS NULL OR l.id = @locationId)
        )
        SELECT location_id, location_name AS location, currency,
               coalesce(sum(outstanding) FILTER (WHERE days < 0), 0)::bigint AS not_due_minor,
               coalesce(sum(outstanding) FILTER (WHERE days BETWEEN 0 AND 30), 0)::bigint AS days0_to30_minor,
               coalesce(sum(outstanding) FILTER (WHERE days BETWEEN 31 AND 60), 0)::bigint AS days31_to60_minor,
               coalesce(sum(outstanding) FILTER (WHERE days BETWEEN 61 AND 90), 0)::bigint AS days61_to90_minor,
               coalesce(sum(outstanding) FILTER (WHERE days > 90), 0)::bigint AS over90_minor,
               sum(outstanding)::bigint AS total_minor,
               count(*)::int AS invoices
        FROM owed
        WHERE outstanding > 0
        GROUP BY location_id, location_name, currency
        ORDER BY location_name, location_id, currency
        """;

    public async Task<AgedDebtResponse> RunAsync(Caller caller, Guid? locationId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var snapshot = await db.OpenSnapshotAsync(cancellationToken);
        var rows = (await snapshot.Connection.QueryAsync<AgedDebtRow>(new CommandDefinition(
            Sql,
            new { organisationId = caller.OrganisationId, scope = caller.Scope, locationId, at },
            snapshot.Transaction,
            cancellationToken: cancellationToken))).ToList();
        var totals = rows
            .GroupBy(r => r.Currency)
            .Select(g => new AgedDebtTotal(
                g.Key, g.Sum(r => r.NotDueMinor), g.Sum(r => r.Days0To30Minor), g.Sum(r => r.Days31To60Minor), g.Sum(r => r.Days61To90Minor),
                g.Sum(r => r.Over90Minor), g.Sum(r => r.TotalMinor), g.Sum(r => r.Invoices)))
            .OrderBy(t => t.Currency, StringComparer.Ordinal).ToList();
        return new AgedDebtResponse(at, locationId, rows, totals);
    }
}
