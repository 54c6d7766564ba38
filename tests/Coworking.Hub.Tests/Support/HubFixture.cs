using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Organisations;
using Coworking.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Hub.Tests.Support;

/// <summary>
/// The real hub on Kestrel at 127.0.0.1 on a free port, over its own database, with one organisation and
/// an organisation-admin client. One per test class.
/// </summary>
public sealed class HubFixture : IAsyncLifetime
{
    private readonly List<HttpClient> clients = [];
    private readonly IReadOnlyList<string> settings;
    private WebApplication? app;

    public HubFixture()
        : this([])
    {
    }

    /// <param name="settings">More settings for the hub (--Key=value), e.g. the edge certificate authority.</param>
    internal HubFixture(IReadOnlyList<string> settings) => this.settings = settings;

    public string ConnectionString { get; private set; } = string.Empty;

    public Uri BaseAddress { get; private set; } = null!;

    public Guid OrganisationId { get; private set; }

    /// <summary>Organisation-admin client of <see cref="OrganisationId"/>.</summary>
    public HttpClient Admin { get; private set; } = null!;

    public IServiceProvider Services => app!.Services;

    public async Task InitializeAsync()
    {
        ConnectionString = await HubDatabase.CreateAsync();
        app = HubApp.Build(
        [
            "--urls", "http://127.0.0.1:0",
            .. PostgresServer.HubSettings(ConnectionString),
            "--Serilog:MinimumLevel:Default=Warning",
            "--Billing:RunSchedules=false",
            .. settings,
        ]);
        await app.StartAsync();
        BaseAddress = new Uri(app.Urls.Single());
        (OrganisationId, Admin) = await NewOrganisationAsync("Test Coworking");
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
    }

    public async Task<(Guid OrganisationId, HttpClient Admin)> NewOrganisationAsync(string name)
    {
        var created = await Services.GetRequiredService<OrganisationStore>().CreateAsync(name, null, CancellationToken.None);
        return (created.OrganisationId, Client(created.ApiKey));
    }

    public HttpClient Client(string? apiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
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

    public Task<Guid> CreateLocationAsync(string name = "Canal Street", string timeZone = "Europe/London") =>
        CreateLocationAsync(Admin, name, timeZone);

    public static async Task<Guid> CreateLocationAsync(HttpClient client, string name = "Canal Street", string timeZone = "Europe/London")
    {
        var location = await client.PostJsonAsync("/api/v1/locations", new
        {
            name,
            timeZone,
            currency = "GBP",
            country = "GB",
            staffedHours = new { monday = new[] { new { open = "08:00", close = "18:00" } } },
        });
        return location.Id();
    }

    public static async Task<Guid> CreateMemberAsync(HttpClient client, Guid? homeLocationId, string? email = null)
    {
        var member = await client.PostJsonAsync("/api/v1/members", new
        {
            name = "Ada Lovelace",
            email = email ?? $"ada-{Guid.NewGuid():N}@example.com",
            company = "Analytical Engines",
            homeLocationId,
        });
        return member.Id();
    }

    /// <summary>Row count of a table, to prove a rejected request wrote nothing.</summary>
    public async Task<long> CountAsync(string table)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM {table}", conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}

public static class HttpJson
{
    /// <summary>POSTs JSON and returns the answer's body, failing with the body when it is not a success.</summary>
    public static async Task<JsonObject> PostJsonAsync(this HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        return await response.SuccessBodyAsync();
    }

    public static async Task<JsonObject> PutJsonAsync(this HttpClient client, string path, object body)
    {
        using var response = await client.PutAsJsonAsync(path, body);
        return await response.SuccessBodyAsync();
    }

    public static async Task<JsonObject> GetJsonAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return await response.SuccessBodyAsync();
    }

    public static async Task<JsonObject> SuccessBodyAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>The problem details of an error answer, after checking its status and content type.</summary>
    public static async Task<JsonObject> ProblemAsync(this HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(status, problem["status"]!.GetValue<int>());
        return problem;
    }

    /// <summary>The fields named in a problem's <c>errors</c>.</summary>
    public static IReadOnlyList<string> ErrorFields(this JsonObject problem) =>
        problem["errors"]?.AsObject().Select(e => e.Key).ToList() ?? [];

    public static Guid Id(this JsonObject body) => body["id"]!.GetValue<Guid>();

    public static IReadOnlyList<JsonObject> Items(this JsonObject page) =>
        page["items"]!.AsArray().Select(i => i!.AsObject()).ToList();
}
