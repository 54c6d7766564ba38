using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;

namespace Coworking.Sim.Tests.BrivoSim;

/// <summary>The simulated Brivo over real HTTP, in-process: the token endpoint, the api-key and bearer checks, lists and filters as Brivo documents them.</summary>
public sealed class BrivoApiTests
{
    private const string ClientId = "brivo-client";
    private const string ClientSecret = "brivo-secret";
    private const string ApiKey = "brivo-api-key";

    [Fact]
    public async Task Token_endpoint_takes_a_form_with_basic_client_auth_and_answers_a_300_second_bearer_token()
    {
        await using var sim = await Host.StartAsync();

        using var wrongClient = await sim.TokenAsync("someone:else");
        var token = await sim.TokenBodyAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, wrongClient.StatusCode);
        Assert.Equal("invalid_client", (await wrongClient.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal((300, "bearer"), (token.GetProperty("expires_in").GetInt32(), token.GetProperty("token_type").GetString()));
    }

    [Fact]
    public async Task Expired_token_is_refused_with_invalid_token_and_a_missing_api_key_with_brivos_error_shape()
    {
        await using var sim = await Host.StartAsync();
        var token = (await sim.TokenBodyAsync()).GetProperty("access_token").GetString()!;

        using var noKey = await sim.ApiAsync(HttpMethod.Get, "users", token, null, apiKey: "");
        (await sim.Http.PostAsync("/brivo/control/tokens/expire", null)).EnsureSuccessStatusCode();
        using var expired = await sim.ApiAsync(HttpMethod.Get, "users", token, null);

        Assert.Equal((HttpStatusCode.Forbidden, 403), (noKey.StatusCode, (await noKey.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetInt32()));
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Equal("invalid_token", (await expired.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Lists_answer_data_offset_page_size_and_count_and_filter_with_field_eq()
    {
        await using var sim = await Host.StartAsync();
        var token = (await sim.TokenBodyAsync()).GetProperty("access_token").GetString()!;
        foreach (var name in new[] { "Ada", "Grace", "Alan" })
        {
            using var created = await sim.ApiAsync(HttpMethod.Post, "users", token, new { firstName = name, lastName = "Test", externalId = name.ToLowerInvariant() });
            created.EnsureSuccessStatusCode();
        }

        using var page = await sim.ApiAsync(HttpMethod.Get, "users?offset=1&pageSize=1", token, null);
        using var filtered = await sim.ApiAsync(HttpMethod.Get, "users?filter=" + Uri.EscapeDataString("externalId__eq:ada,alan"), token, null);
        var body = await page.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal((1, 1, 3), (body.GetProperty("offset").GetInt32(), body.GetProperty("pageSize").GetInt32(), body.GetProperty("count").GetInt32()));
        Assert.Equal("Grace", body.GetProperty("data")[0].GetProperty("firstName").GetString());
        Assert.Equal(["Ada", "Alan"], (await filtered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").EnumerateArray().Select(u => u.GetProperty("firstName").GetString()));
    }

    [Fact]
    public async Task A_users_groups_are_listed_and_only_lists_of_every_user_are_counted()
    {
        await using var sim = await Host.StartAsync();
        var token = (await sim.TokenBodyAsync()).GetProperty("access_token").GetString()!;
        using var user = await sim.ApiAsync(HttpMethod.Post, "users", token, new { firstName = "Ada", lastName = "Test", externalId = "ada" });
        using var staff = await sim.ApiAsync(HttpMethod.Post, "groups", token, new { name = "Staff" });
        using var night = await sim.ApiAsync(HttpMethod.Post, "groups", token, new { name = "Night" });
        var userId = (await user.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var staffId = (await staff.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        using var added = await sim.ApiAsync(HttpMethod.Put, $"groups/{staffId}/users/{userId}", token, null);

        using var groups = await sim.ApiAsync(HttpMethod.Get, $"users/{userId}/groups", token, null);
        using var all = await sim.ApiAsync(HttpMethod.Get, "users", token, null);
        using var filtered = await sim.ApiAsync(HttpMethod.Get, "users?filter=" + Uri.EscapeDataString("externalId__eq:ada"), token, null);
        var state = await sim.Http.GetFromJsonAsync<JsonElement>("/brivo/control/state");

        Assert.True(added.IsSuccessStatusCode);
        Assert.Equal(["Staff"], (await groups.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").EnumerateArray().Select(g => g.GetProperty("name").GetString()));
        Assert.Equal((true, true), (all.IsSuccessStatusCode, filtered.IsSuccessStatusCode));
        Assert.Equal(1, state.GetProperty("unfilteredUserLists").GetInt64());
    }

    private sealed class Host : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly string _config;

        private Host(WebApplication app, string config)
        {
            _app = app;
            _config = config;
            Http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
        }

        public HttpClient Http { get; }

        public static async Task<Host> StartAsync()
        {
            var config = Path.Combine(Path.GetTempPath(), $"sim-brivo-{Guid.NewGuid():N}.json");
            await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
            {
                brivo = new { clientId = ClientId, clientSecret = ClientSecret, apiKey = ApiKey, username = "admin", password = "admin-pass", accessPoints = new[] { new { id = 901, siteId = 77, name = "Front" } } },
            }));
            var app = SimApp.Build(["--config", config, "--urls", "http://127.0.0.1:0", "--Serilog:MinimumLevel:Default", "Warning"]);
            await app.StartAsync();
            return new Host(app, config);
        }

        public async Task<HttpResponseMessage> TokenAsync(string client)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/brivo/oauth/token")
            {
                Content = new FormUrlEncodedContent([new("grant_type", "password"), new("username", "admin"), new("password", "admin-pass")]),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(client)));
            request.Headers.TryAddWithoutValidation("api-key", ApiKey);
            return await Http.SendAsync(request);
        }

        public async Task<JsonElement> TokenBodyAsync()
        {
            using var response = await TokenAsync($"{ClientId}:{ClientSecret}");
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }

        public async Task<HttpResponseMessage> ApiAsync(HttpMethod method, string path, string token, object? body, string apiKey = ApiKey)
        {
            using var request = new HttpRequestMessage(method, "/brivo/v1/api/" + path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.TryAddWithoutValidation("api-key", apiKey);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return await Http.SendAsync(request);
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
            File.Delete(_config);
        }
    }
}
