using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace Coworking.Testing;

/// <summary>
/// firmware-sim serving only Brivo: its token endpoint and Access API under <see cref="ApiBase"/> (the edge's bridge talks
/// to it with its real client) and its control API, to present a credential at an access point, inject faults, expire the
/// tokens and read what Brivo holds.
/// </summary>
public sealed class BrivoSim : IAsyncDisposable
{
    private readonly string _directory;
    private readonly ChildProcess _sim;
    private readonly HttpClient _control;

    private BrivoSim(string directory, ChildProcess sim, Uri url, Dictionary<string, string> secrets)
    {
        Secrets = secrets;
        _directory = directory;
        _sim = sim;
        Url = url;
        _control = new HttpClient { BaseAddress = new Uri(url, "/brivo/control/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Url { get; }

    /// <summary>The API base the hub's Brivo account names: the token endpoint and the API are under it.</summary>
    public string ApiBase => new Uri(Url, "/brivo").ToString();

    /// <summary>The account's secrets as the hub takes them: client_id, client_secret, api_key, username, password.</summary>
    public Dictionary<string, string> Secrets { get; }

    public string Output => _sim.Output;

    /// <param name="requestsPerSecond">What the simulated account takes a second before it answers 429.</param>
    /// <param name="otherUsers">Users of the account's other tenants, there before the bridge (a full list of users reads them too).</param>
    public static async Task<BrivoSim> StartAsync(long siteId, long[] accessPointIds, int requestsPerSecond = 10, int otherUsers = 0)
    {
        var directory = Path.Combine(Path.GetTempPath(), "coworking-brivo-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var config = Path.Combine(directory, "sim.json");
        string Random() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var secrets = new Dictionary<string, string>
        {
            ["client_id"] = "client-" + Random(), ["client_secret"] = Random(), ["api_key"] = Random(), ["username"] = "admin-" + Random(), ["password"] = Random(),
        };
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            brivo = new
            {
                clientId = secrets["client_id"], clientSecret = secrets["client_secret"], apiKey = secrets["api_key"], username = secrets["username"],
                password = secrets["password"], tokenSeconds = 300, requestsPerSecond, otherUsers, accessPoints = accessPointIds.Select(id => new { id, siteId, name = $"Access point {id}" }),
            },
        }));
        var sim = ChildProcess.StartProject("firmware-sim/Coworking.Sim", "coworking-sim", ["--config", config, "--urls", "http://127.0.0.1:0"]);
        return new BrivoSim(directory, sim, await sim.ListeningAddressAsync(TimeSpan.FromSeconds(60)), secrets);
    }

    /// <summary>What Brivo holds now, and its counters (requests, tokensIssued, invalidTokens, unlocks per access point).</summary>
    public async Task<JsonElement> StateAsync() => await _control.GetFromJsonAsync<JsonElement>("state");

    /// <summary>The user presents their credential at the access point; Brivo decides and lists the access event.</summary>
    public async Task<JsonElement> TapAsync(long accessPointId, long userId) => await SendAsync(HttpMethod.Post, $"access-points/{accessPointId}/tap", new { userId });

    public async Task SetDownAsync(bool down) => await SendAsync(HttpMethod.Put, "faults", new { down });

    public async Task FailNextAsync(int count, int status = 503) => await SendAsync(HttpMethod.Put, "faults", new { failNext = count, status });

    /// <summary>Every token issued so far expires now, as though 300 s had passed.</summary>
    public async Task ExpireTokensAsync() => await SendAsync(HttpMethod.Post, "tokens/expire", null);

    /// <summary>An administrator removing a member from a group at Brivo, behind the bridge's back.</summary>
    public async Task RemoveMemberAsync(long groupId, long userId) => await SendAsync(HttpMethod.Delete, $"groups/{groupId}/users/{userId}", null);

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
