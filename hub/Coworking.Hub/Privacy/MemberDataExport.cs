using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Coworking.Hub.Database;
using CsvHelper;
using Dapper;

namespace Coworking.Hub.Privacy;

/// <summary>
/// Everything the hub holds about one member, for their right of access (GDPR art. 15) and portability (art. 20): a zip
/// with <c>member.json</c> (every set below) and one CSV per set. Each query names the organisation and the member; secrets
/// the hub keeps about them (PIN hashes, passkey keys, session and link tokens) are left out, since they identify nothing.
/// </summary>
internal sealed class MemberDataExport(TenantDataSource db)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The sets of the export, in order: the file name and the query (parameters @organisationId and @memberId).</summary>
    private static readonly (string Name, string Sql)[] Sets =
    [
        ("profile", """
            SELECT m.id, m.name, m.email, m.company, m.status, l.name AS home_location, m.created_at, m.updated_at
            FROM members m LEFT JOIN locations l ON l.id = m.home_location_id
            WHERE m.organisation_id = @organisationId AND m.id = @memberId
            """),
        ("membership", """
            SELECT t.name AS tier, ms.channel, ms.joined_at, ms.period_start, ms.period_end, pt.name AS pending_tier, ms.paused_until, ms.cancel_at
            FROM memberships ms JOIN members m ON m.id = ms.member_id JOIN tiers t ON t.id = ms.tier_id LEFT JOIN tiers pt ON pt.id = ms.pending_tier_id
            WHERE m.organisation_id = @organisationId AND ms.member_id = @memberId
            """),
        ("bookings", """
            SELECT b.id, l.name AS location, r.name AS resource, b.resource_kind, b.starts_at, b.ends_at, b.created_at, b.cancelled_at
            FROM bookings b JOIN resources r ON r.id = b.resource_id JOIN locations l ON l.id = b.location_id
            WHERE b.organisation_id = @organisationId AND b.member_id = @memberId
            ORDER BY b.starts_at, b.id
            """),
        ("visitors", """
            SELECT v.id, l.name AS location, v.name, v.email, v.starts_at, v.ends_at, v.created_at, v.cancelled_at
            FROM visitors v JOIN locations l ON l.id = v.location_id
            WHERE v.organisation_id = @organisationId AND v.host_member_id = @memberId
            ORDER BY v.starts_at, v.id
            """),
        ("invoices", """
            SELECT CASE i.kind WHEN 'invoice' THEN 'INV-' ELSE 'CN-' END || lpad(i.number::text, 6, '0') AS number, i.kind, i.issued_at, i.due_at, i.currency::text AS currency, i.net_minor, i.tax_minor, i.gross_minor,
                   c.status, c.amount_due_minor, c.paid_at
            FROM invoices i JOIN invoice_collection c ON c.invoice_id = i.id
            WHERE i.organisation_id = @organisationId AND i.member_id = @memberId
            ORDER BY i.issued_at, i.id
            """),
        ("payments", """
            SELECT CASE i.kind WHEN 'invoice' THEN 'INV-' ELSE 'CN-' END || lpad(i.number::text, 6, '0') AS invoice, p.amount_minor, p.currency::text AS currency, p.method, p.reference, p.paid_at
            FROM payments p JOIN invoices i ON i.id = p.invoice_id
            WHERE i.organisation_id = @organisationId AND i.member_id = @memberId
            ORDER BY p.paid_at, p.id
            """),
        ("access-events", """
            SELECT a.occurred_at, l.name AS location, d.name AS door, a.decision, a.reason
            FROM access_events a JOIN locations l ON l.id = a.location_id LEFT JOIN doors d ON d.id = a.door_id
            WHERE a.organisation_id = @organisationId AND a.member_id = @memberId
            ORDER BY a.occurred_at, a.id
            """),
        ("credentials", """
            SELECT c.id, c.kind, c.card_format, c.facility_code, c.card_number::text AS card_number, c.created_at, c.revoked_at
            FROM credentials c
            WHERE c.organisation_id = @organisationId AND c.member_id = @memberId
            ORDER BY c.created_at, c.id
            """),
        ("events", """
            SELECT e.kind, e.detail::text AS detail, e.occurred_at
            FROM member_events e JOIN members m ON m.id = e.member_id
            WHERE m.organisation_id = @organisationId AND e.member_id = @memberId
            ORDER BY e.occurred_at, e.id
            """),
    ];

    /// <summary>The zip, or null when the member is not one of the organisation's.</summary>
    public async Task<byte[]?> ZipAsync(Guid organisationId, Guid memberId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var sets = new List<(string Name, IReadOnlyList<IDictionary<string, object?>> Rows)>();
        foreach (var (name, sql) in Sets)
        {
            var rows = await conn.QueryAsync(new CommandDefinition(sql, new { organisationId, memberId }, cancellationToken: cancellationToken));
            sets.Add((name, rows.Select(row => (IDictionary<string, object?>)row).ToList()));
        }

        if (sets[0].Rows.Count == 0)
        {
            return null;
        }

        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            var json = new Dictionary<string, object?> { ["exportedAt"] = now };
            foreach (var (name, rows) in sets)
            {
                json[name] = rows;
                await WriteAsync(archive, $"{name}.csv", now, Csv(rows), cancellationToken);
            }

            await WriteAsync(archive, "member.json", now, JsonSerializer.Serialize(json, Indented), cancellationToken);
        }

        return zip.ToArray();
    }

    private static async Task WriteAsync(ZipArchive archive, string name, DateTimeOffset now, string text, CancellationToken cancellationToken)
    {
        var entry = archive.CreateEntry(name, CompressionLevel.Optimal);
        entry.LastWriteTime = now;
        await using var stream = entry.Open();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
    }

    /// <summary>A header row of the set's columns, then its rows; instants in ISO 8601 UTC, invariant culture.</summary>
    private static string Csv(IReadOnlyList<IDictionary<string, object?>> rows)
    {
        if (rows.Count == 0)
        {
            return string.Empty;
        }

        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, CsvWriterOptions.Default, leaveOpen: true))
        {
            csv.WriteRecord([.. rows[0].Keys]);
            foreach (var row in rows)
            {
                csv.WriteRecord([.. row.Values.Select(Field)]);
            }
        }

        return text.ToString();
    }

    private static string Field(object? value) => value switch
    {
        null => string.Empty,
        DateTime at => new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)).ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset at => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
