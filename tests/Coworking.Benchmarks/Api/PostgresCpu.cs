using System.Globalization;
using Npgsql;

namespace Coworking.Benchmarks.Api;

/// <summary>
/// CPU time of the PostgreSQL backends serving one database, read from /proc, so a benchmark can tell its
/// own cost from the database's on a machine shared with other work.
/// </summary>
internal static class PostgresCpu
{
    private static readonly double TicksPerMs = 100 / 1000.0;

    public static async Task<Dictionary<int, long>> ReadAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", conn);
        var ticks = new Dictionary<int, long>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var pid = reader.GetInt32(0);
            if (Ticks(pid) is { } t)
            {
                ticks[pid] = t;
            }
        }

        return ticks;
    }

    /// <summary>Milliseconds of CPU the backends used between two readings (a backend started in between counts from zero).</summary>
    public static double Since(Dictionary<int, long> before, Dictionary<int, long> after) =>
        after.Sum(b => b.Value - before.GetValueOrDefault(b.Key)) / TicksPerMs;

    // utime and stime are fields 14 and 15 of /proc/<pid>/stat, after the parenthesised command name.
    private static long? Ticks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
