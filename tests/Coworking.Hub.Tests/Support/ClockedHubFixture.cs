using System.Net.Http.Headers;
using Coworking.Hub.Organisations;
using Coworking.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Coworking.Hub.Tests.Support;

/// <summary>
/// The real hub as <see cref="HubFixture"/> starts it, but on a <see cref="FakeTimeProvider"/> the tests set,
/// for rules about time (advance windows, periods, DST). One per test class; each test sets the time it needs.
/// A subclass adds settings and services (<see cref="BillingHubFixture"/>).
/// </summary>
public class ClockedHubFixture : IAsyncLifetime
{
    private readonly List<HttpClient> clients = [];
    private WebApplication? app;

    /// <summary>A Monday morning in winter; tests move it with <see cref="FakeTimeProvider.AdjustTime"/>.</summary>
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 2, 7, 0, 0, TimeSpan.Zero));

    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>The dev mailbox the hub writes its e-mails to, one .eml file each.</summary>
    public string Mailbox { get; } = Path.Combine(Path.GetTempPath(), $"coworking-mailbox-{Guid.NewGuid():N}");

    public Guid OrganisationId { get; private set; }

    public HttpClient Admin { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => app!.Services;

    /// <summary>Settings a subclass needs beyond these (--Key=value).</summary>
    protected virtual IReadOnlyList<string> MoreSettings => [];

    /// <summary>Services a subclass puts in place of the hub's own (the fake clock is always there).</summary>
    protected virtual void AddServices(IServiceCollection services)
    {
    }

    /// <summary>What a subclass starts before the hub (e.g. a Stripe simulator whose address the settings name).</summary>
    protected virtual Task BeforeStartAsync() => Task.CompletedTask;

    /// <summary>What a subclass stops after the hub.</summary>
    protected virtual Task AfterStopAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        await BeforeStartAsync();
        ConnectionString = await HubDatabase.CreateAsync("hub_clocked");
        app = HubApp.Build(
            [
                "--urls", "http://127.0.0.1:0",
                .. PostgresServer.HubSettings(ConnectionString),
                "--Serilog:MinimumLevel:Default=Warning",
                $"--Mail:PickupDirectory={Mailbox}",
                "--Billing:RunSchedules=false",
                .. MoreSettings,
            ],
            services =>
            {
                services.AddSingleton<TimeProvider>(Time);
                AddServices(services);
            });
        await app.StartAsync();
        BaseAddress = new Uri(app.Urls.Single());
        var created = await Services.GetRequiredService<OrganisationStore>().CreateAsync("Clocked Coworking", null, CancellationToken.None);
        OrganisationId = created.OrganisationId;
        Admin = Client(created.ApiKey);
    }

    public async Task DisposeAsync()
    {
        foreach (var client in clients)
        {
            client.Dispose();
        }

        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        await AfterStopAsync();
        if (Directory.Exists(Mailbox))
        {
            Directory.Delete(Mailbox, recursive: true);
        }
    }

    /// <summary>An organisation-admin client of a new organisation: its tiers are the only ones an upgrade prompt may name.</summary>
    public async Task<HttpClient> NewOrganisationAsync()
    {
        var created = await Services.GetRequiredService<OrganisationStore>().CreateAsync("Fresh Coworking", null, CancellationToken.None);
        return Client(created.ApiKey);
    }

    /// <summary>A client with <paramref name="apiKey"/> as its bearer token, or anonymous without one.</summary>
    public HttpClient Client(string? apiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        clients.Add(client);
        return client;
    }

    /// <summary>A client with a location-manager key scoped to <paramref name="locations"/>.</summary>
    public async Task<HttpClient> LocationManagerAsync(params Guid[] locations)
    {
        var key = await Admin.PostJsonAsync("/api/v1/api-keys", new { name = "manager", role = "location_manager", locationIds = locations });
        return Client(key["apiKey"]!.GetValue<string>());
    }

    /// <summary>Row count of a table, to prove a refused request wrote nothing.</summary>
    /// <summary>How many of the database's sessions are waiting for a lock (a test holding a row sees who queued on it).</summary>
    public async Task<long> WaitingForLocksAsync() =>
        await CountAsync("pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");

    /// <summary>A count the test asks the database for, with <paramref name="id"/> as @id.</summary>
    public async Task<long> ScalarAsync(string sql, Guid id)
    {
        await using var conn = new Npgsql.NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue("id", id);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    public async Task<long> CountAsync(string table)
    {
        await using var conn = new Npgsql.NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand($"SELECT count(*) FROM {table}", conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
