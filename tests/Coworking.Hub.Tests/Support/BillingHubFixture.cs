using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Coworking.Hub.Billing;
using Coworking.Hub.Organisations;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Coworking.Hub.Tests.Support;

/// <summary>
/// The real hub on a <see cref="FakeTimeProvider"/> with card payments through a <see cref="FakePaymentGateway"/> and
/// Stripe's webhook secret set, so tests can sign events as Stripe does. One per test class.
/// </summary>
public class BillingHubFixture : IAsyncLifetime
{
    public const string WebhookSecret = "whsec_test_billing_fixture";

    private readonly List<HttpClient> clients = [];
    private WebApplication? app;

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 2, 7, 0, 0, TimeSpan.Zero));

    public FakePaymentGateway Gateway { get; } = new();

    public string ConnectionString { get; private set; } = string.Empty;

    public string Mailbox { get; } = Path.Combine(Path.GetTempPath(), $"coworking-mailbox-{Guid.NewGuid():N}");

    public HttpClient Admin { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => app!.Services;

    /// <summary>Settings a test class needs beyond these (--Key=value).</summary>
    protected virtual IReadOnlyList<string> MoreSettings => [];

    public async Task InitializeAsync()
    {
        ConnectionString = await HubDatabase.CreateAsync("hub_billing");
        app = HubApp.Build(
            [
                "--urls", "http://127.0.0.1:0",
                $"--ConnectionStrings:Hub={ConnectionString}",
                "--Serilog:MinimumLevel:Default=Warning",
                $"--Mail:PickupDirectory={Mailbox}",
                "--Billing:RunSchedules=false",
                $"--Stripe:WebhookSecret={WebhookSecret}",
                "--Billing:PortalBaseUrl=https://portal.coworking.test/",
                .. MoreSettings,
            ],
            services =>
            {
                services.AddSingleton<TimeProvider>(Time);
                services.AddSingleton<IPaymentGateway>(Gateway);
            });
        await app.StartAsync();
        BaseAddress = new Uri(app.Urls.Single());
        Admin = await NewOrganisationAsync();
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

        if (Directory.Exists(Mailbox))
        {
            Directory.Delete(Mailbox, recursive: true);
        }
    }

    public async Task<HttpClient> NewOrganisationAsync()
    {
        var created = await Services.GetRequiredService<OrganisationStore>().CreateAsync("Billing Coworking", null, CancellationToken.None);
        return Client(created.ApiKey);
    }

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

    /// <summary>Row count of a table, to prove a refused request wrote nothing.</summary>
    public async Task<long> CountAsync(string table)
    {
        await using var conn = new Npgsql.NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand($"SELECT count(*) FROM {table}", conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Signs <paramref name="payload"/> as Stripe does: HMAC-SHA256 over "t.payload" with the endpoint secret.</summary>
    public static string Sign(string payload, DateTimeOffset at, string secret = WebhookSecret)
    {
        var t = at.ToUnixTimeSeconds();
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{payload}"));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    /// <summary>Delivers an event to the webhook endpoint, signed at the fake clock's now unless told otherwise.</summary>
    public async Task<HttpResponseMessage> DeliverAsync(string payload, string? signature = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/webhooks/stripe")
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", signature ?? Sign(payload, Time.GetUtcNow()));
        using var anonymous = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        return await anonymous.SendAsync(request);
    }
}
