using System.Text.Json;
using Coworking.Hub.Database;
using Dapper;
using Npgsql;
using Serilog;
using Serilog.Events;

namespace Coworking.Hub.Access;

/// <summary>
/// <c>coworking-hub new-log-epoch</c>: run once on a database restored as a copy started as it is (a file-system
/// snapshot: the restores PostgreSQL marks, the hub notices itself, <see cref="Database.DatabaseLineage"/>), before any hub
/// starts on it (docs/OPERATIONS.md, "After a restore: the edges"). Gives every location's change log a new epoch, so each edge —
/// whose cache followed the history the restore cut off — takes a snapshot when it reconnects, even once the restored log
/// has grown past the seq the edge had applied. Applies pending migrations first; prints
/// <c>{"locations":N}</c> on stdout, everything else on stderr.
/// </summary>
public static class LogEpochCommand
{
    public const string Verb = "new-log-epoch";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        var connectionString = configuration.GetConnectionString("Hub");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            await Console.Error.WriteLineAsync(
                "usage: coworking-hub new-log-epoch\n" +
                "       with the database in ConnectionStrings__Hub (or --ConnectionStrings:Hub=...)");
            return 2;
        }

        using var loggerFactory = LoggerFactory.Create(b => b.AddSerilog(
            new LoggerConfiguration().WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose).CreateLogger(), dispose: true));
        HubApp.MigrateAsOwner(configuration, connectionString, loggerFactory.CreateLogger(typeof(Migrator)));
        var locations = await RotateAsync(connectionString, cancellationToken);
        loggerFactory.CreateLogger(typeof(LogEpochCommand)).LogInformation(
            "Gave the change logs of {Locations} locations a new epoch: every edge takes a snapshot when it reconnects", locations);
        await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new { locations }, JsonSerializerOptions.Web));
        return 0;
    }

    /// <summary>A new epoch for every location's log; returns how many.</summary>
    public static async Task<int> RotateAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        using var scope = TenantScope.System("a restore replaced every organisation's change logs");
        await using var conn = await new TenantDataSource(db).OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition("UPDATE location_seq SET log_epoch = gen_random_uuid()", cancellationToken: cancellationToken));
    }
}
