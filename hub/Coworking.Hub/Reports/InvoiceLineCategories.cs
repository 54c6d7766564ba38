namespace Coworking.Hub.Reports;

/// <summary>
/// The product category and tier of every invoice line, worked out from the ledger entry the line was made from
/// (docs/REPORTS.md, "Categories"). SQL fragments for the queries that need them; none holds user input.
/// </summary>
internal static class InvoiceLineCategories
{
    /// <summary>The categories a report row names, in the order reports list them.</summary>
    public static readonly string[] All =
    [
        "hot_desk", "dedicated_desk", "private_office", "virtual", "day_pass", "meeting_room_overage", "add_on", "late_fee", "adjustment", "credit_note",
    ];

    /// <summary>
    /// CTEs <c>entries</c> and <c>categories</c> (invoice_id, position, tier_id, category) for the invoices a preceding
    /// CTE <c>target</c> (invoice_id) names. The invoice run writes a member's entries as lines in the order
    /// (service_start nulls last, posted), one invoice per currency, so the n-th entry billed on an invoice is its line n.
    /// A proration names its tiers in its source key ("proration-credit:{member}:{date}:{from}:{to}"); any other entry
    /// belongs to the tier the member held when it was posted (the membership step that posts it records its tier event
    /// at the same instant): the span of the member's <c>joined</c> and <c>tier_changed</c> events that holds the entry's
    /// <c>created_at</c>, found by one hash join rather than a lookup per entry. The CTEs are materialised: the planner
    /// cannot estimate the documents' local-month filter, and a nested loop over an inlined CTE rescans it per row.
    /// </summary>
    public const string Ctes =
        """
        entries AS MATERIALIZED (
            SELECT le.invoice_id, le.member_id, le.kind, le.source_key, le.description, le.created_at,
                   row_number() OVER (PARTITION BY le.invoice_id ORDER BY le.service_start NULLS LAST, le.posted)::int AS position
            FROM ledger_entries le
            WHERE le.invoice_id IN (SELECT invoice_id FROM target)
        ),
        held AS MATERIALIZED (
            SELECT ev.member_id, ev.occurred_at AS since, lead(ev.occurred_at) OVER (PARTITION BY ev.member_id ORDER BY ev.occurred_at, ev.id) AS until,
                   coalesce(ev.detail->>'to', ev.detail->>'tierId')::uuid AS tier_id
            FROM member_events ev
            WHERE ev.kind IN ('joined', 'tier_changed') AND ev.member_id IN (SELECT member_id FROM entries)
        ),
        tiered AS (
            SELECT e.*,
                   CASE
                       WHEN e.source_key LIKE 'proration-credit:%' THEN split_part(e.source_key, ':', 4)::uuid
                       WHEN e.source_key LIKE 'proration-charge:%' THEN split_part(e.source_key, ':', 5)::uuid
                       ELSE coalesce(h.tier_id, ms.tier_id)
                   END AS tier_id
            FROM entries e
                LEFT JOIN held h ON h.member_id = e.member_id AND h.since <= e.created_at AND (h.until IS NULL OR h.until > e.created_at)
                LEFT JOIN memberships ms ON ms.member_id = e.member_id
        ),
        categories AS MATERIALIZED (
            SELECT tr.invoice_id, tr.position, tr.tier_id,
                   CASE tr.kind
                       WHEN 'plan' THEN coalesce(t.terms->>'kind', 'adjustment')
                       WHEN 'proration' THEN coalesce(t.terms->>'kind', 'adjustment')
                       WHEN 'room_overage' THEN 'meeting_room_overage'
                       WHEN 'add_on' THEN CASE WHEN EXISTS (
                               SELECT 1 FROM tier_prices tp
                               WHERE tp.tier_id = tr.tier_id AND tp.code = 'day_pass' AND starts_with(tr.description, tp.name || ', '))
                           THEN 'day_pass' ELSE 'add_on' END
                       WHEN 'late_fee' THEN 'late_fee'
                       ELSE 'adjustment'
                   END AS category
            FROM tiered tr LEFT JOIN tiers t ON t.id = tr.tier_id
        )
        """;

    /// <summary>
    /// Joins a credit note's line <c>il</c> of document <c>d</c> to the line it gives back: a credit note of the whole
    /// invoice repeats its lines, position by position, with the amounts turned; a line given back by amount does not.
    /// </summary>
    public const string OriginalLine =
        """
        LEFT JOIN invoice_lines orig ON d.kind = 'credit_note' AND orig.invoice_id = d.corrects_id AND orig.position = il.position
            AND orig.description = il.description AND orig.quantity = il.quantity AND orig.unit_amount_minor = -il.unit_amount_minor
        LEFT JOIN categories c ON c.invoice_id = (CASE WHEN d.kind = 'invoice' THEN d.id ELSE orig.invoice_id END) AND c.position = il.position
        """;
}
