using System.Net.Http.Json;
using Coworking.Hub.Database;
using Coworking.Hub.Tests.Support;
using Coworking.Testing.Sync;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Hub.Tests.Database;

/// <summary>The tables of things that only serve for a while stay the size of what is live, on the real database.</summary>
public sealed class ExpiredRowSweeperTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task Old_idempotency_keys_links_sessions_and_login_failures_are_swept_and_live_ones_stay()
    {
        var email = $"swept-{Guid.NewGuid():N}@example.com";
        await hub.Admin.PostJsonAsync("/api/v1/operators", new { email, name = "Sue Sweeper", password = Password, role = "org_admin", locationIds = Array.Empty<Guid>() });
        var member = (await hub.Admin.PostJsonAsync("/api/v1/members", new { name = "Ida Idem", email = $"ida-{Guid.NewGuid():N}@example.com" })).Id();
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/members/{member}/credentials") { Content = JsonContent.Create(new { kind = "card", facilityCode = 9, cardNumber = 4242 }) })
        {
            request.Headers.Add("Idempotency-Key", $"card-{Guid.NewGuid():N}");
            using var answer = await hub.Admin.SendAsync(request);
            answer.EnsureSuccessStatusCode();
        }

        using (var old = new Browser(hub.BaseAddress))
        {
            (await old.LoginAsync(email, Password)).EnsureSuccessStatusCode();
            (await old.Http.PostAsJsonAsync("/auth/password-reset", new { email })).EnsureSuccessStatusCode();
            await Browser.LinkInMailAsync(hub.Mailbox, email, "/auth/password-reset/");
            using var wrong = await old.LoginAsync(email, "not it at all");
        }

        var before = await CountsAsync();
        hub.Time.Advance(ExpiredRowSweeper.SessionsKept + TimeSpan.FromDays(1));
        using var fresh = await new Browser(hub.BaseAddress).SignedInAsync(email, Password);

        // The hub's own sweeper wakes on the clock's jump too; whichever sweeps a row, it is gone once both have run.
        await hub.Services.GetRequiredService<ExpiredRowSweeper>().RunAsync(CancellationToken.None);

        Assert.All(before, table => Assert.True(table.Value > 0, $"{table.Key} had nothing to sweep"));
        await Eventually.Async(
            async () => await CountsAsync() is var after && (after["idempotency_keys"], after["one_time_tokens"], after["login_failures"], after["sessions"]) == (0L, 0L, 0L, 1L),
            "only the live session left");
        await fresh.Http.GetJsonAsync("/auth/me");
    }

    private async Task<Dictionary<string, long>> CountsAsync()
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var conn = new NpgsqlConnection(hub.ConnectionString);
        await conn.OpenAsync();
        foreach (var table in new[] { "idempotency_keys", "one_time_tokens", "sessions", "login_failures" })
        {
            await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM {table}", conn);
            counts[table] = (long)(await cmd.ExecuteScalarAsync())!;
        }

        return counts;
    }
}
