using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace Coworking.Testing;

/// <summary>
/// firmware-sim serving only Salto KS: its token endpoint and API under <see cref="ApiBase"/> (the edge's bridge talks to it
/// with its real client), provisioning what is created only after <c>provisioningDelayMs</c>, and its control API to present
/// a key at a lock, inject faults and read what Salto KS holds.
/// </summary>
public sealed class SaltoSim : IAsyncDisposable
{
    private readonly string _directory;
    private readonly ChildProcess _sim;
    private readonly HttpClient _control;

    private SaltoSim(string directory, ChildProcess sim, Uri url, Dictionary<string, string> secrets)
    {
        Secrets = secrets;
        _directory = directory;
        _sim = sim;
        Url = url;
        _control = new HttpClient { BaseAddress = new Uri(url, "/salto/control/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Url { get; }

    /// <summary>The API base the hub's Salto KS account names: the token endpoint and the API are under it.</summary>
    public string ApiBase => new Uri(Url, "/salto").ToString();

    /// <summary>The account's secrets as the hub takes them: client_id, client_secret, otp_secret.</summary>
    public Dictionary<string, string> Secrets { get; }

    public string Output => _sim.Output;

    /// <param name="otherUsers">Users of the site's other tenants, there before the bridge (a full list of users reads them too).</param>
    public static async Task<SaltoSim> StartAsync(string siteId, string lockId, int provisioningDelayMs = 1500, int requestsPerSecond = 10, int otherUsers = 0)
    {
        var directory = Path.Combine(Path.GetTempPath(), "coworking-salto-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var config = Path.Combine(directory, "sim.json");
        var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var secrets = new Dictionary<string, string>
        {
            ["client_id"] = "client-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            ["client_secret"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            ["otp_secret"] = new string([.. RandomNumberGenerator.GetBytes(32).Select(b => alphabet[b % 32])]),
        };
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            salto = new
            {
                clientId = secrets["client_id"], clientSecret = secrets["client_secret"], otpSecret = secrets["otp_secret"], provisioningDelayMs, requestsPerSecond, otherUsers,
                sites = new[] { new { id = siteId, locks = new[] { new { id = lockId, name = $"Lock {lockId}" } } } },
            },
        }));
        var sim = ChildProcess.StartProject("firmware-sim/Coworking.Sim", "coworking-sim", ["--config", config, "--urls", "http://127.0.0.1:0"]);
        return new SaltoSim(directory, sim, await sim.ListeningAddressAsync(TimeSpan.FromSeconds(60)), secrets);
    }

    /// <summary>What Salto KS holds now (including what is not provisioned yet), and its counters.</summary>
    public async Task<JsonElement> StateAsync() => await _control.GetFromJsonAsync<JsonElement>("state");

    /// <summary>The user presents their key at the lock; Salto KS decides and records the entry.</summary>
    public async Task<JsonElement> TapAsync(string lockId, string userId) => await SendAsync(HttpMethod.Post, $"locks/{lockId}/tap", new { userId });

    public async Task SetDownAsync(bool down) => await SendAsync(HttpMethod.Put, "faults", new { down });

    /// <summary>An administrator removing a member from an access group at Salto KS, behind the bridge's back.</summary>
    public async Task RemoveMemberAsync(string groupId, string userId) => await SendAsync(HttpMethod.Delete, $"access_groups/{groupId}/users/{userId}", null);

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
