using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace Coworking.Testing;

/// <summary>
/// firmware-sim serving only Kisi: its API at <see cref="ApiBase"/> (the edge's bridge talks to it with its real client)
/// and its control API, to tap a Kisi credential at a lock, inject faults and read what Kisi holds.
/// </summary>
public sealed class KisiSim : IAsyncDisposable
{
    private readonly string _directory;
    private readonly ChildProcess _sim;
    private readonly HttpClient _control;

    private KisiSim(string directory, ChildProcess sim, Uri url, string apiKey)
    {
        ApiKey = apiKey;
        _directory = directory;
        _sim = sim;
        Url = url;
        _control = new HttpClient { BaseAddress = new Uri(url, "/kisi/control/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Url { get; }

    /// <summary>The API base the hub's Kisi account names.</summary>
    public string ApiBase => new Uri(Url, "/kisi/api").ToString();

    public string ApiKey { get; }

    public string WebhookSecret { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public string Output => _sim.Output;

    /// <param name="requestsPerSecond">What the simulated key takes a second before it answers 429 (Kisi's is 5).</param>
    public static async Task<KisiSim> StartAsync(long lockId, int requestsPerSecond = 5)
    {
        var directory = Path.Combine(Path.GetTempPath(), "coworking-kisi-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var config = Path.Combine(directory, "sim.json");
        var apiKey = "kisi_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            kisi = new { apiKey, requestsPerSecond, duplicateEvery = 2, locks = new[] { new { id = lockId, name = $"Lock {lockId}" } } },
        }));
        var sim = ChildProcess.StartProject("firmware-sim/Coworking.Sim", "coworking-sim", ["--config", config, "--urls", "http://127.0.0.1:0"]);
        return new KisiSim(directory, sim, await sim.ListeningAddressAsync(TimeSpan.FromSeconds(60)), apiKey);
    }

    /// <summary>What Kisi holds now, and its counters (requests, rateLimited, unlocks per lock).</summary>
    public async Task<JsonElement> StateAsync() => await _control.GetFromJsonAsync<JsonElement>("state");

    public async Task SendWebhooksToAsync(Uri url) => await SendAsync(HttpMethod.Put, "webhook", new { url = url.ToString(), secret = WebhookSecret });

    /// <summary>Taps the Kisi user's credential at the lock; Kisi decides and sends its signed event (twice when asked).</summary>
    public async Task<JsonElement> TapAsync(long lockId, long userId, bool duplicate = false) =>
        await SendAsync(HttpMethod.Post, $"locks/{lockId}/tap", new { userId, duplicate });

    public async Task SetDownAsync(bool down) => await SendAsync(HttpMethod.Put, "faults", new { down });

    /// <summary>An administrator deleting an assignment at Kisi, behind the bridge's back.</summary>
    public async Task DeleteRoleAssignmentAsync(long id) => await SendAsync(HttpMethod.Delete, $"role_assignments/{id}", null);

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await _control.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{method} {path}: {(int)response.StatusCode} {text}\n{_sim.Output}");
        }

        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await _sim.DisposeAsync();
        _control.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
