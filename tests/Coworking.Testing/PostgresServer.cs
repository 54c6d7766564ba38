using System.Diagnostics;
using Npgsql;

namespace Coworking.Testing;

/// <summary>
/// One real PostgreSQL cluster per test run. ./test.sh starts it once and passes its connection string
/// in COWORKING_TEST_PG; a test run started another way (an IDE, dotnet test) starts its own private
/// cluster on first use and stops it when the test process exits.
/// </summary>
public sealed class PostgresServer
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static PostgresServer? shared;

    private PostgresServer(string connectionString) => ConnectionString = connectionString;

    /// <summary>Owns the hub's tables and runs its migrations (as in deploy/local/pg-roles.sh).</summary>
    public const string OwnerRole = "coworking_owner";

    /// <summary>The hub's own login: owns nothing, no superuser, no BYPASSRLS, so row-level security holds it.</summary>
    public const string HubRole = "coworking_hub";

    private static int rolesMade;

    /// <summary>Connection string to the cluster's maintenance database (as the superuser).</summary>
    public string ConnectionString { get; }

    /// <summary>The same database as another role (the cluster trusts local logins).</summary>
    public static string As(string connectionString, string role) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Username = role }.ConnectionString;

    /// <summary>
    /// The hub's settings for a database made by <see cref="CreateDatabaseAsync"/>: it connects as <see cref="HubRole"/>
    /// and migrates as <see cref="OwnerRole"/>, as a real install does; tests keep the superuser string for their own checks.
    /// </summary>
    public static string[] HubSettings(string connectionString) =>
    [
        $"--ConnectionStrings:Hub={As(connectionString, HubRole)}",
        $"--ConnectionStrings:Migrations={As(connectionString, OwnerRole)}",
    ];

    public static async Task<PostgresServer> SharedAsync()
    {
        if (shared is not null)
        {
            return shared;
        }

        await Gate.WaitAsync();
        try
        {
            shared ??= await StartAsync();
            return shared;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Creates an empty database (or a copy of <paramref name="template"/>) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string namePrefix, string? template = null, CancellationToken cancellationToken = default)
    {
        var name = $"{namePrefix}_{Guid.NewGuid():N}"[..Math.Min(namePrefix.Length + 33, 63)].ToLowerInvariant();
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync(cancellationToken);
        await MakeRolesAsync(conn, cancellationToken);
        var sql = template is null
            ? $"CREATE DATABASE \"{name}\" OWNER {OwnerRole}"
            : $"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\" OWNER {OwnerRole}";
        await using (var cmd = new NpgsqlCommand(sql, conn))
        {
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>The two roles, once per cluster; test processes sharing the cluster may race to make them.</summary>
    private static async Task MakeRolesAsync(NpgsqlConnection conn, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref rolesMade) == 1)
        {
            return;
        }

        foreach (var sql in new[] { $"CREATE ROLE {OwnerRole} LOGIN", $"CREATE ROLE {HubRole} LOGIN NOSUPERUSER NOBYPASSRLS" })
        {
            try
            {
                await using var cmd = new NpgsqlCommand(sql, conn);
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateObject or PostgresErrorCodes.UniqueViolation)
            {
                // Made by another test process.
            }
        }

        Volatile.Write(ref rolesMade, 1);
    }

    private static async Task<PostgresServer> StartAsync()
    {
        var fromScript = Environment.GetEnvironmentVariable("COWORKING_TEST_PG");
        if (!string.IsNullOrWhiteSpace(fromScript))
        {
            return new PostgresServer(fromScript);
        }

        var dataDir = Path.Combine(RepoPaths.LocalDir, "test-pg", $"{Environment.ProcessId}");
        var connectionString = (await RunScriptAsync("pg-start.sh", dataDir)).Trim();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            RunScriptAsync("pg-stop.sh", dataDir).GetAwaiter().GetResult();
            TryDelete(dataDir);
        };
        return new PostgresServer(connectionString);
    }

    private static void TryDelete(string dir)
    {
        try
        {
            var target = new DirectoryInfo(dir).LinkTarget;
            if (target is not null)
            {
                Directory.Delete(target, recursive: true);
            }

            if (Directory.Exists(dir) || File.Exists(dir))
            {
                if (target is not null)
                {
                    File.Delete(dir);
                }
                else
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"[pg] could not remove {dir}: {e.Message}");
        }
    }

    private static async Task<string> RunScriptAsync(string script, string dataDir)
    {
        var psi = new ProcessStartInfo(Path.Combine(RepoPaths.Root, "deploy", "local", script))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dataDir);
        psi.Environment["PG_FSYNC"] = "off";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {script}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed ({process.ExitCode}): {await stderr}");
        }

        return await stdout;
    }
}
