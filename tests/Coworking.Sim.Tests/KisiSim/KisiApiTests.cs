using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;

namespace Coworking.Sim.Tests.KisiSim;

/// <summary>The simulated Kisi API over real HTTP, in-process: auth, paging, errors and the rate limit as Kisi documents them.</summary>
public sealed class KisiApiTests
{
    private const string Key = "kisi_sim_tests_key";

    [Fact]
    public async Task Calls_without_the_kisi_login_key_are_refused_with_kisis_error_shape()
    {
        await using var sim = await Host.StartAsync(requestsPerSecond: 100);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/kisi/api/users");
        request.Headers.TryAddWithoutValidation("Authorization", "KISI-LOGIN wrong");

        using var response = await sim.Http.SendAsync(request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("unauthorized", body.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task Lists_page_with_limit_and_offset_and_say_the_range_in_x_collection_range()
    {
        await using var sim = await Host.StartAsync(requestsPerSecond: 100);
        for (var i = 0; i < 3; i++)
        {
            using var created = await sim.SendAsync(HttpMethod.Post, "/kisi/api/users", new { user = new { name = $"User {i}", email = $"u{i}@example.invalid", send_emails = false } });
            created.EnsureSuccessStatusCode();
        }

        using var first = await sim.SendAsync(HttpMethod.Get, "/kisi/api/users?limit=2&offset=0", null);
        using var second = await sim.SendAsync(HttpMethod.Get, "/kisi/api/users?limit=2&offset=2", null);

        Assert.Equal("0-1/3", first.Headers.GetValues("X-Collection-Range").Single());
        Assert.Equal("2-2/3", second.Headers.GetValues("X-Collection-Range").Single());
        Assert.Equal("u2@example.invalid", (await second.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("email").GetString());
    }

    [Fact]
    public async Task Requests_past_the_limit_in_one_second_are_answered_429_with_retry_after_and_counted()
    {
        await using var sim = await Host.StartAsync(requestsPerSecond: 5);
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 50 && limited is null; i++)
        {
            var response = await sim.SendAsync(HttpMethod.Get, "/kisi/api/locks", null);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        using (limited)
        {
            Assert.Equal(TimeSpan.FromSeconds(1), limited.Headers.RetryAfter!.Delta);
            Assert.Equal("too_many_requests", (await limited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        }

        var state = await sim.Http.GetFromJsonAsync<JsonElement>("/kisi/control/state");
        Assert.True(state.GetProperty("rate_limited").GetInt64() >= 1);
    }

    [Fact]
    public async Task Role_assignment_needs_group_basic_with_a_group_and_an_end_after_its_start()
    {
        await using var sim = await Host.StartAsync(requestsPerSecond: 100);

        using var wrongRole = await sim.SendAsync(HttpMethod.Post, "/kisi/api/role_assignments", new { role_assignment = new { user_id = 1, role_id = "admin", group_id = 2 } });
        using var backwards = await sim.SendAsync(HttpMethod.Post, "/kisi/api/role_assignments",
            new { role_assignment = new { user_id = 1, role_id = "group_basic", group_id = 2, valid_from = "2026-01-02T00:00:00Z", valid_until = "2026-01-01T00:00:00Z" } });

        Assert.Equal((HttpStatusCode.UnprocessableEntity, HttpStatusCode.UnprocessableEntity), (wrongRole.StatusCode, backwards.StatusCode));
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

        public static async Task<Host> StartAsync(int requestsPerSecond)
        {
            var config = Path.Combine(Path.GetTempPath(), $"sim-kisi-{Guid.NewGuid():N}.json");
            await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new { kisi = new { apiKey = Key, requestsPerSecond, locks = new[] { new { id = 101, name = "Front" } } } }));
            var app = SimApp.Build(["--config", config, "--urls", "http://127.0.0.1:0", "--Serilog:MinimumLevel:Default", "Warning"]);
            await app.StartAsync();
            return new Host(app, config);
        }

        public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.TryAddWithoutValidation("Authorization", $"KISI-LOGIN {Key}");
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
