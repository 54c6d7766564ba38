using DbUp;
using DbUp.Engine.Output;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Coworking.Hub.Database;

/// <summary>
/// Applies the embedded Migrations/NNNN_name.sql scripts in name order with DbUp. Each script runs once,
/// recorded in the journal table; released scripts are never edited.
/// </summary>
public static class Migrator
{
    // Several hub instances may start together; one applies the scripts while the others wait.
    private const long MigrationLockKey = 0x636f776f726b;

    /// <summary>
    /// Creates the database when missing and applies every script not yet in the journal, as the role of
    /// <paramref name="connectionString"/>: the tables' owner. The scripts run as the system (<c>coworking.system</c>
    /// on), since row-level security holds the owner too (FORCE). <paramref name="grantTo"/>, the hub's own role when it
    /// is another, is then given the rows of every table (and nothing else: no DDL, no ownership). Last, a database restored
    /// or failed over since the hub last started gives its change logs a new epoch (<see cref="DatabaseLineage"/>).
    /// </summary>
    public static void Apply(string connectionString, ILogger? logger = null, string? grantTo = null)
    {
        var log = new UpgradeLog(logger ?? NullLogger.Instance);
        var asOwner = new NpgsqlConnectionStringBuilder(connectionString);
        asOwner.Options = $"{asOwner.Options} -c coworking.system=on".Trim();
        connectionString = asOwner.ConnectionString;
        EnsureDatabase.For.PostgresqlDatabase(connectionString, log);

        // The lock lives on its own unpooled connection so it is released with it, whatever happens.
        var lockConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        using var lockConnection = new NpgsqlConnection(lockConnectionString);
        lockConnection.Open();
        using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLockKey})", lockConnection))
        {
            take.ExecuteNonQuery();
        }

        var result = DeployChanges.To
            .PostgresqlDatabase(connectionString)
            .WithScriptsEmbeddedInAssembly(typeof(Migrator).Assembly, name => name.Contains(".Migrations.", StringComparison.Ordinal))
            .WithTransactionPerScript()
            .LogTo(log)
            .Build()
            .PerformUpgrade();
        if (!result.Successful)
        {
            throw new InvalidOperationException($"migration {result.ErrorScript?.Name} failed", result.Error);
        }

        if (grantTo is not null && grantTo != asOwner.Username)
        {
            var role = "\"" + grantTo.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            using var grant = new NpgsqlCommand(
                $"GRANT USAGE ON SCHEMA public TO {role}; " +
                $"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}; " +
                $"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
                lockConnection);
            grant.ExecuteNonQuery();
        }

        DatabaseLineage.Check(lockConnection, logger ?? NullLogger.Instance);
    }

    /// <summary>Names of the embedded scripts, as the journal records them.</summary>
    public static IReadOnlyList<string> ScriptNames { get; } = typeof(Migrator).Assembly.GetManifestResourceNames()
        .Where(name => name.Contains(".Migrations.", StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .ToArray();

    private sealed class UpgradeLog(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) => Write(LogLevel.Trace, null, format, args);

        public void LogDebug(string format, params object[] args) => Write(LogLevel.Debug, null, format, args);

        public void LogInformation(string format, params object[] args) => Write(LogLevel.Information, null, format, args);

        public void LogWarning(string format, params object[] args) => Write(LogLevel.Warning, null, format, args);

        public void LogError(string format, params object[] args) => Write(LogLevel.Error, null, format, args);

        public void LogError(Exception ex, string format, params object[] args) => Write(LogLevel.Error, ex, format, args);

        private void Write(LogLevel level, Exception? exception, string format, object[] args)
        {
            if (logger.IsEnabled(level))
            {
                logger.Log(level, exception, "{Migration}", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
            }
        }
    }
}
