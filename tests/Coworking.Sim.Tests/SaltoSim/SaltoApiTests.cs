using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;

namespace Coworking.Sim.Tests.SaltoSim;

/// <summary>The simulated Salto KS over real HTTP, in-process: its error shape and its eventual consistency.</summary>
public sealed class SaltoApiTests
{
    [Fact]
    public async Task New_user_stays_unprovisioned_for_a_while_linking_it_is_403_2203_and_listing_leaves_it_out()
    {
        await using var sim = await Host.StartAsync(provisioningDelayMs: 60_000);
        using var user = await sim.ApiAsync(HttpMethod.Post, "users", new { first_name = "Ada", last_name = "Lovelace", external_id = "ada" });
        using var group = await sim.ApiAsync(HttpMethod.Post, "access_groups", new { name = "Staff" });
        var userId = (await user.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var groupId = (await group.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        using var link = await sim.ApiAsync(HttpMethod.Put, $"access_groups/{groupId}/users/{userId}", null);
        using var members = await sim.ApiAsync(HttpMethod.Get, $"access_groups/{groupId}/users", null);
        using var list = await sim.ApiAsync(HttpMethod.Get, "users", null);
        var error = await link.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal((HttpStatusCode.Forbidden, "2203"), (link.StatusCode, error.GetProperty("ErrorCode").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("Message").GetString()));
        Assert.Equal((HttpStatusCode.NotFound, "2202"), (members.StatusCode, (await members.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ErrorCode").GetString()));
        Assert.Empty((await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Remote_opening_needs_the_one_time_code_of_the_tenants_seed()
    {
        await using var sim = await Host.StartAsync(provisioningDelayMs: 0);

        using var without = await sim.ApiAsync(new HttpMethod("PATCH"), "locks/lock-1/locking", new { locked_state = "unlocked", otp = "000000" });
        using var with = await sim.ApiAsync(new HttpMethod("PATCH"), "locks/lock-1/locking", new { locked_state = "unlocked", otp = Coworking.Sim.Salto.Totp.Code(Host.OtpSecret, DateTimeOffset.UtcNow) });

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.NoContent), (without.StatusCode, with.StatusCode));
    }

    [Fact]
    public async Task Users_and_an_access_groups_users_take_an_odata_filter_that_the_next_page_keeps()
    {
        await using var sim = await Host.StartAsync(provisioningDelayMs: 0);
        var ids = new Dictionary<string, string>();
        foreach (var name in new[] { "ada", "o'brien", "alan", "grace" })
        {
            using var created = await sim.ApiAsync(HttpMethod.Post, "users", new { first_name = name, last_name = "Test", external_id = "coworking:" + name });
            ids[name] = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }

        using var group = await sim.ApiAsync(HttpMethod.Post, "access_groups", new { name = "Staff" });
        var groupId = (await group.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        foreach (var name in new[] { "ada", "alan" })
        {
            using var added = await sim.ApiAsync(HttpMethod.Put, $"access_groups/{groupId}/users/{ids[name]}", null);
        }

        var filter = "external_id eq 'coworking:ada' or external_id eq 'coworking:o''brien' or external_id eq 'coworking:grace'";
        using var first = await sim.ApiAsync(HttpMethod.Get, "users?$top=2&$filter=" + Uri.EscapeDataString(filter), null);
        var page = await first.Content.ReadFromJsonAsync<JsonElement>();
        using var second = await sim.Http.SendAsync(sim.Authorized(HttpMethod.Get, page.GetProperty("next_page_link").GetString()!));
        using var members = await sim.ApiAsync(HttpMethod.Get, $"access_groups/{groupId}/users?$filter=" + Uri.EscapeDataString($"id eq '{ids["alan"]}' or id eq '{ids["grace"]}'"), null);
        using var bad = await sim.ApiAsync(HttpMethod.Get, "users?$filter=" + Uri.EscapeDataString("external_id ne 'x'"), null);

        string[] Names(JsonElement list) => [.. list.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("first_name").GetString()!)];
        Assert.Equal(["ada", "o'brien"], Names(page));
        Assert.Equal(["grace"], Names(await second.Content.ReadFromJsonAsync<JsonElement>()));
        Assert.Equal([ids["alan"]], (await members.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray().Select(m => m.GetProperty("id").GetString()!));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    private sealed class Host : IAsyncDisposable
    {
        public const string OtpSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

        private readonly WebApplication _app;
        private readonly string _config;
        private readonly string _token;

        private Host(WebApplication app, string config, HttpClient http, string token)
        {
            (_app, _config, Http, _token) = (app, config, http, token);
        }

        public HttpClient Http { get; }

        /// <summary>A Salto KS simulator whose rate limit (its own tests elsewhere) stays out of the way of these calls.</summary>
        public static async Task<Host> StartAsync(int provisioningDelayMs)
        {
            var config = Path.Combine(Path.GetTempPath(), $"sim-salto-{Guid.NewGuid():N}.json");
            await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
            {
                salto = new { clientId = "salto-client", clientSecret = "salto-secret", otpSecret = OtpSecret, provisioningDelayMs, requestsPerSecond = 1000, sites = new[] { new { id = "site-a", locks = new[] { new { id = "lock-1", name = "Front" } } } } },
            }));
            var app = SimApp.Build(["--config", config, "--urls", "http://127.0.0.1:0", "--Serilog:MinimumLevel:Default", "Warning"]);
            await app.StartAsync();
            var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
            using var token = await http.PostAsync("/salto/connect/token", new FormUrlEncodedContent(
                [new("grant_type", "client_credentials"), new("client_id", "salto-client"), new("client_secret", "salto-secret"), new("scope", "user_api.full_access")]));
            token.EnsureSuccessStatusCode();
            return new Host(app, config, http, (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!);
        }

        public async Task<HttpResponseMessage> ApiAsync(HttpMethod method, string path, object? body)
        {
            using var request = Authorized(method, "/salto/v1.2/sites/site-a/" + path);
            request.Content = body is null ? null : JsonContent.Create(body);
            return await Http.SendAsync(request);
        }

        public HttpRequestMessage Authorized(HttpMethod method, string url)
        {
            var request = new HttpRequestMessage(method, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            return request;
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
