using Npgsql;

namespace Coworking.Testing;

/// <summary>Where a person's name or address still stands after an erasure: a scan of every table's rows as text.</summary>
public static class PersonalDataScan
{
    /// <summary>Every table (but the invoices kept by law) with a row whose text holds <paramref name="needle"/>.</summary>
    public static async Task<IReadOnlyList<string>> TablesHoldingAsync(NpgsqlConnection conn, string needle)
    {
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('invoices', 'invoice_lines') ORDER BY tablename", conn))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var holding = new List<string>();
        foreach (var table in tables)
        {
            await using var scan = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM \"{table}\" t WHERE strpos(t::text, @needle) > 0)", conn);
            scan.Parameters.AddWithValue("needle", needle);
            if ((bool)(await scan.ExecuteScalarAsync())!)
            {
                holding.Add(table);
            }
        }

        return holding;
    }
}
