using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Coworking.Testing;

/// <summary>
/// A second PostgreSQL cluster made from the test cluster with <c>pg_basebackup</c>, as an operator makes one: a streaming
/// replica (<c>-R</c>: it follows the primary, read-only) or a restore (a new primary holding what was committed before the
/// backup). Its own port and folder; stopped and removed when disposed. As root the PostgreSQL tools run as the
/// <c>postgres</c> user, as deploy/local/pg-start.sh does.
/// </summary>
public sealed class PgCopy : IAsyncDisposable
{
    /// <summary>How the copy starts.</summary>
    public enum Start
    {
        /// <summary>A streaming replica of the primary (<c>-R</c>), read-only.</summary>
        Standby,

        /// <summary>The backup's folder started as it is, as from a file-system snapshot: the primary's WAL timeline goes on.</summary>
        AsIs,

        /// <summary>
        /// Archive recovery, as docs/OPERATIONS.md restores a base backup (<c>recovery.signal</c>, a
        /// <c>restore_command</c>; here the backup's own WAL is all there is): it ends on a new WAL timeline.
        /// </summary>
        ArchiveRecovery,
    }

    private readonly string _directory;
    private readonly int _port;

    private PgCopy(string directory, int port)
    {
        _directory = directory;
        _port = port;
    }

    /// <summary>The copy's superuser connection to <paramref name="database"/>.</summary>
    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = _port, Username = "postgres", Database = database, Pooling = false }.ConnectionString;

    /// <summary>The same database of the copy, for the same role, as <paramref name="original"/> names on the primary.</summary>
    public string Same(string original)
    {
        var given = new NpgsqlConnectionStringBuilder(original);
        return new NpgsqlConnectionStringBuilder(original) { Port = _port, Host = "127.0.0.1", Username = given.Username }.ConnectionString;
    }

    public static async Task<PgCopy> BaseBackupAsync(string primary, Start start)
    {
        var source = new NpgsqlConnectionStringBuilder(primary);
        var directory = Path.Combine(Path.GetTempPath(), $"coworking-pgcopy-{Guid.NewGuid():N}");
        var bin = PgBin();
        await RunAsync(Path.Combine(bin, "pg_basebackup"),
        [
            "-h", source.Host!, "-p", source.Port.ToString(CultureInfo.InvariantCulture), "-U", source.Username ?? "postgres",
            "-D", directory, "-X", "stream", "--checkpoint=fast", .. start == Start.Standby ? new[] { "-R" } : [],
        ]);
        if (start == Start.ArchiveRecovery)
        {
            await RunAsync("bash", ["-c", "touch \"$1/recovery.signal\" && echo \"restore_command = 'false'\" >> \"$1/postgresql.auto.conf\"", "recover", directory]);
        }

        var copy = new PgCopy(directory, FreePort.Next());
        await RunAsync(Path.Combine(bin, "pg_ctl"),
        [
            "-D", directory, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "120",
            "-o", $"-p {copy._port.ToString(CultureInfo.InvariantCulture)} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300", "start",
        ]);
        return copy;
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsync(Path.Combine(PgBin(), "pg_ctl"), ["-D", _directory, "-m", "immediate", "-w", "stop"]);
        await RunAsync("rm", ["-rf", _directory]);
    }

    private static string PgBin() =>
        Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
            .OrderBy(d => d, StringComparer.Ordinal).LastOrDefault() ?? throw new InvalidOperationException("PostgreSQL is not installed (apt-get install -y postgresql)");

    private static async Task RunAsync(string program, IReadOnlyList<string> args)
    {
        var asPostgres = Environment.IsPrivilegedProcess;
        var psi = new ProcessStartInfo(asPostgres ? "runuser" : program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (asPostgres)
        {
            foreach (var arg in (string[])["-u", "postgres", "--", program])
            {
                psi.ArgumentList.Add(arg);
            }
        }

        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }
    }
}
