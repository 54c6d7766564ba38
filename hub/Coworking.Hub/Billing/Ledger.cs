using Dapper;
using Npgsql;

namespace Coworking.Hub.Billing;

public enum LedgerKind
{
    Plan,
    Proration,
    RoomOverage,
    AddOn,
    LateFee,
    Adjustment,
}

/// <summary>
/// One billable thing for a member, before it is invoiced. <see cref="SourceKey"/> names what caused it
/// ("plan:{member}:{period start}"), so posting the same thing twice is a no-op; <see cref="BillAfter"/> is when the
/// invoice run may put it on an invoice.
/// </summary>
internal sealed record LedgerPosting(
    Guid OrganisationId, Guid MemberId, Guid? LocationId, LedgerKind Kind, string Description, int Quantity, Money UnitAmount,
    DateOnly? ServiceStart, DateOnly? ServiceEnd, string SourceKey, DateTimeOffset BillAfter);

/// <summary>Writes ledger entries inside the caller's transaction, once per source key.</summary>
internal static class Ledger
{
    /// <summary>Posts the entry unless its source key was posted before; true when it was new.</summary>
    public static async Task<bool> PostAsync(NpgsqlConnection conn, NpgsqlTransaction tx, LedgerPosting entry, DateTimeOffset now, CancellationToken cancellationToken) =>
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO ledger_entries (id, organisation_id, member_id, location_id, kind, description, quantity, unit_amount_minor, currency,
                service_start, service_end, source_key, bill_after, created_at)
            VALUES (@id, @OrganisationId, @MemberId, @LocationId, @kind, @Description, @Quantity, @minor, @currency,
                @ServiceStart, @ServiceEnd, @SourceKey, @BillAfter, @now)
            ON CONFLICT (source_key) DO NOTHING
            """,
            new
            {
                id = Guid.CreateVersion7(now), entry.OrganisationId, entry.MemberId, entry.LocationId, kind = Database.DbText.ToDb(entry.Kind), entry.Description,
                entry.Quantity, minor = entry.UnitAmount.Minor, currency = entry.UnitAmount.Currency, entry.ServiceStart, entry.ServiceEnd, entry.SourceKey,
                entry.BillAfter, now,
            },
            tx,
            cancellationToken: cancellationToken)) == 1;

    /// <summary>"10 Jan – 9 Feb 2026": a period [start, end) as people read it, with its last day.</summary>
    public static string Describe(DateOnly start, DateOnly end) =>
        start.Year == end.AddDays(-1).Year
            ? $"{start.ToString("d MMM", System.Globalization.CultureInfo.InvariantCulture)} – {end.AddDays(-1).ToString("d MMM yyyy", System.Globalization.CultureInfo.InvariantCulture)}"
            : $"{start.ToString("d MMM yyyy", System.Globalization.CultureInfo.InvariantCulture)} – {end.AddDays(-1).ToString("d MMM yyyy", System.Globalization.CultureInfo.InvariantCulture)}";
}
