using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Stripe;

namespace Coworking.Sim.Tests.Support;

/// <summary>
/// The sim as a Stripe-only fixture starts it: a JSON config with a "stripe" section and no buses, the app on a free
/// port (coworking-sim --config FILE --urls http://127.0.0.1:0), here in-process. Webhook retries are quick (50 ms,
/// doubling, three attempts) so retry tests finish fast.
/// </summary>
public sealed class StripeSimHost : IAsyncLifetime
{
    public const string SecretKey = "sk_test_coworking_sim_tests";

    private WebApplication? app;
    private string? configPath;

    public HttpClient Http { get; private set; } = new();

    public Uri BaseAddress => Http.BaseAddress ?? throw new InvalidOperationException("not started");

    /// <summary>Where state is kept, when the fixture was asked to keep it.</summary>
    public string? StatePath { get; init; }

    /// <summary>How long a webhook receiver may take to answer before the attempt counts as failed.</summary>
    public int WebhookTimeoutMs { get; init; } = 2000;

    public StripeClient Client(string apiKey = SecretKey) =>
        new(new StripeClientOptions { ApiKey = apiKey, ApiBase = BaseAddress.ToString().TrimEnd('/') });

    public async Task InitializeAsync()
    {
        configPath = Path.Combine(Path.GetTempPath(), $"sim-stripe-{Guid.NewGuid():N}.json");
        var config = new
        {
            stripe = new
            {
                secretKey = SecretKey,
                statePath = StatePath,
                webhookRetry = new { maxAttempts = 3, firstDelayMs = 50, maxDelayMs = 1000, timeoutMs = WebhookTimeoutMs },
            },
        };
        await System.IO.File.WriteAllTextAsync(configPath, JsonSerializer.Serialize(config));
        app = SimApp.Build(["--config", configPath, "--urls", "http://127.0.0.1:0", "--Serilog:MinimumLevel:Default", "Warning"]);
        await app.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        if (configPath is not null)
        {
            System.IO.File.Delete(configPath);
        }
    }

    /// <summary>Plays the member on the Checkout page: enters the card number; the sim's answer as JSON.</summary>
    public async Task<HttpResponseMessage> CompleteCheckoutAsync(string sessionId, string card) =>
        await Http.PostAsJsonAsync($"/stripe/checkout/{sessionId}/complete", new { card });

    /// <summary>A customer with a card saved through Checkout in setup mode; the card's PaymentMethod id.</summary>
    public async Task<(Customer Customer, string PaymentMethod)> CustomerWithCardAsync(string card)
    {
        var client = Client();
        var customer = await client.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "member@example.test", Name = "Ada Member" });
        var session = await client.V1.Checkout.Sessions.CreateAsync(new global::Stripe.Checkout.SessionCreateOptions
        {
            Mode = "setup",
            Customer = customer.Id,
            Currency = "eur",
            SuccessUrl = "https://hub.example.test/billing/done?session={CHECKOUT_SESSION_ID}",
        });
        using var completed = await CompleteCheckoutAsync(session.Id, card);
        completed.EnsureSuccessStatusCode();
        var body = await completed.Content.ReadFromJsonAsync<JsonElement>();
        return (customer, body.GetProperty("paymentMethod").GetString()!);
    }
}
