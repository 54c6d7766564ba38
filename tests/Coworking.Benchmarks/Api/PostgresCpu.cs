using Coworking.Benchmarks.Support;
using Npgsql;

namespace Coworking.Benchmarks.Api;

/// <summary>
/// CPU time of the PostgreSQL backends serving one database, read from /proc, so a benchmark can tell its
/// own cost from the database's on a machine shared with other work.
/// </summary>
internal static class PostgresCpu
{
    /// <summary>Milliseconds of CPU used so far by each backend of the database.</summary>
    public static async Task<Dictionary<int, double>> ReadAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", conn);
        var used = new Dictionary<int, double>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var pid = reader.GetInt32(0);
            if (ProcessCpu.Milliseconds(pid) is { } ms)
            {
                used[pid] = ms;
            }
        }

        return used;
    }

    /// <summary>Milliseconds of CPU the backends used between two readings (a backend started in between counts from zero).</summary>
    public static double Since(Dictionary<int, double> before, Dictionary<int, double> after) =>
        after.Sum(b => b.Value - before.GetValueOrDefault(b.Key));
}
