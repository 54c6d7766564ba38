using Coworking.Hub.Database;
using Coworking.Testing;
using Npgsql;

namespace Coworking.Hub.Tests.Support;

/// <summary>
/// A migrated template database made once per test process; each test class gets a fresh copy of it,
/// which is much faster than migrating every database.
/// </summary>
public static class HubDatabase
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? templateName;

    public static async Task<string> CreateAsync(string prefix = "hub")
    {
        var server = await PostgresServer.SharedAsync();
        await Gate.WaitAsync();
        try
        {
            if (templateName is null)
            {
                var template = await server.CreateDatabaseAsync("hub_template");
                // Unpooled, so no idle connection keeps the template busy when it is copied.
                Migrator.Apply(
                    new NpgsqlConnectionStringBuilder(PostgresServer.As(template, PostgresServer.OwnerRole)) { Pooling = false }.ConnectionString,
                    grantTo: PostgresServer.HubRole);
                templateName = new NpgsqlConnectionStringBuilder(template).Database;
            }

            return await server.CreateDatabaseAsync(prefix, templateName);
        }
        finally
        {
            Gate.Release();
        }
    }
}
