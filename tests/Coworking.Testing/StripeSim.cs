using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace Coworking.Testing;

/// <summary>
/// firmware-sim serving only its Stripe API, as Stripe would behave: Checkout in setup mode does not set the
/// customer's default card. The hub talks to it with the real Stripe.net client; its webhooks go to the hub once
/// <see cref="SendWebhooksToAsync"/> names it. Each sim is one Stripe account (its own <see cref="SecretKey"/>).
/// </summary>
public sealed class StripeSim : IAsyncDisposable
{
    public const string DefaultSecretKey = "sk_test_coworking_e2e";

    private readonly string _directory;
    private readonly ChildProcess _sim;
    private readonly HttpClient _http;

    private StripeSim(string directory, ChildProcess sim, Uri url, string secretKey)
    {
        _directory = directory;
        _sim = sim;
        Url = url;
        SecretKey = secretKey;
        _http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secretKey);
    }

    /// <summary>The account's secret key (Authorization: Bearer).</summary>
    public string SecretKey { get; }

    /// <summary>The API base as the hub's settings take it: the sim's scheme, host and port.</summary>
    public string ApiBase => Url.GetLeftPart(UriPartial.Authority);

    /// <summary>The sim's address: the hub's Stripe:ApiBase.</summary>
    public Uri Url { get; }

    /// <summary>The endpoint secret the hub checks webhook signatures with (Stripe:WebhookSecret).</summary>
    public string WebhookSecret { get; } = "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    /// <summary>The hub's settings that point it at this sim.</summary>
    public IReadOnlyList<string> HubSettings => [$"--Stripe:SecretKey={SecretKey}", $"--Stripe:ApiBase={ApiBase}", $"--Stripe:WebhookSecret={WebhookSecret}"];

    public static async Task<StripeSim> StartAsync(string secretKey = DefaultSecretKey)
    {
        var directory = Path.Combine(Path.GetTempPath(), "coworking-stripe-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var config = Path.Combine(directory, "sim.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            stripe = new { secretKey, checkoutSetsDefaultPaymentMethod = false, webhookRetry = new { firstDelayMs = 500, maxDelayMs = 2000 } },
        }));
        var sim = ChildProcess.StartProject("firmware-sim/Coworking.Sim", "coworking-sim", ["--config", config, "--urls", "http://127.0.0.1:0"]);
        return new StripeSim(directory, sim, await sim.ListeningAddressAsync(TimeSpan.FromSeconds(60)), secretKey);
    }

    /// <summary>Registers the hub's webhook endpoint (the hub-wide one unless <paramref name="path"/> names another), signed with <see cref="WebhookSecret"/>.</summary>
    public async Task SendWebhooksToAsync(Uri hub, string path = "/api/v1/webhooks/stripe") =>
        await SendAsync(HttpMethod.Post, "/stripe/webhooks", new { url = new Uri(hub, path).ToString(), secret = WebhookSecret });

    /// <summary>The member's part of Checkout: types <paramref name="card"/> into the setup page at <paramref name="checkoutUrl"/>.</summary>
    public async Task<JsonElement> CompleteCheckoutAsync(Uri checkoutUrl, string card) =>
        await SendAsync(HttpMethod.Post, $"/stripe/checkout/{checkoutUrl.Segments[^1]}/complete", new { card });

    /// <summary>A customer as Stripe's API shows it.</summary>
    public Task<JsonElement> CustomerAsync(string customerId) => SendAsync(HttpMethod.Get, $"/v1/customers/{customerId}", null);

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{method} {path}: {(int)response.StatusCode} {text}\n{_sim.Output}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await _sim.DisposeAsync();
        _http.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
