using System.Diagnostics;
using System.Text.Json;
using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Coworking.Hub.Http;
using Coworking.Testing;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Coworking.Hub.Tests.Database;

public sealed class MigrationAndBootstrapTests
{
    [Fact]
    public async Task Applying_migrations_twice_runs_each_script_once()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("hub_migrate");

        Migrator.Apply(connectionString);
        Migrator.Apply(connectionString);

        await using var conn = new NpgsqlConnection(connectionString);
        var journal = (await conn.QueryAsync<string>("SELECT scriptname FROM schemaversions ORDER BY scriptname")).ToList();
        Assert.Equal(Migrator.ScriptNames, journal);
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM pg_extension WHERE extname = 'btree_gist'"));
    }

    [Fact]
    public async Task Hub_connections_prepare_a_statement_they_run_repeatedly()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("hub_prepare");
        await using var db = HubApp.CreateDataSource(connectionString);
        await using var conn = await db.OpenConnectionAsync();

        for (var i = 0; i < 6; i++)
        {
            await conn.ExecuteScalarAsync<int>("SELECT 41 + @i", new { i });
        }

        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%SELECT 41 + $1%'"));
    }

    [Fact]
    public async Task Connection_string_that_turns_preparation_off_is_obeyed()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("hub_noprepare");
        await using var db = HubApp.CreateDataSource($"{connectionString};Max Auto Prepare=0");
        await using var conn = await db.OpenConnectionAsync();

        for (var i = 0; i < 6; i++)
        {
            await conn.ExecuteScalarAsync<int>("SELECT 41 + @i", new { i });
        }

        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM pg_prepared_statements"));
    }

    [Fact]
    public async Task Database_without_migrations_is_not_ready()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("hub_unready");
        await using var db = NpgsqlDataSource.Create(connectionString);

        var result = await HealthApi.Ready(db, new ReportsDataSource(db, connectionString, null), NullLogger<HealthResponse>.Instance, CancellationToken.None);

        Assert.Equal(503, Assert.IsType<ProblemHttpResult>(result.Result).StatusCode);
    }

    [Fact]
    public async Task Bootstrap_verb_migrates_a_new_database_and_prints_a_working_admin_key()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("hub_bootstrap");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "coworking-hub.dll"), "bootstrap", "--org", "Demo Desks", "--admin-email", "admin@example.com", "--admin-password", "a long demo password" })
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["ConnectionStrings__Hub"] = connectionString;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, await stderr);
        using var printed = JsonDocument.Parse(await stdout);
        var organisationId = printed.RootElement.GetProperty("organisationId").GetGuid();
        var apiKey = printed.RootElement.GetProperty("apiKey").GetString();
        Assert.True(ApiKeySecret.TryParse(apiKey, out var key));
        await using var db = NpgsqlDataSource.Create(connectionString);
        var caller = await new ApiKeyStore(new Coworking.Hub.Database.TenantDataSource(db), TimeProvider.System, new ApiKeyCache(TimeProvider.System, NullLogger<ApiKeyCache>.Instance)).AuthenticateAsync(key, CancellationToken.None);
        Assert.Equal((organisationId, Role.OrgAdmin), (caller!.OrganisationId, caller.Role));
        await using var conn = await db.OpenConnectionAsync();
        var hash = await conn.QuerySingleAsync<string>("SELECT password_hash FROM operators WHERE organisation_id = @organisationId", new { organisationId });
        Assert.True(PasswordHasher.Verify("a long demo password", hash));
        Assert.False(PasswordHasher.Verify("a wrong password", hash));
    }

    [Fact]
    public async Task Bootstrap_without_an_organisation_name_prints_usage_and_fails()
    {
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "coworking-hub.dll"), "bootstrap"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["ConnectionStrings__Hub"] = "Host=127.0.0.1";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        Assert.Empty(await stdout);
        Assert.Contains("usage: coworking-hub bootstrap", await stderr, StringComparison.Ordinal);
    }
}
