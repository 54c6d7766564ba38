using System.Net;
using Coworking.Hub.Auth;
using Coworking.Hub.Tests.Support;
using Npgsql;

namespace Coworking.Hub.Tests.Auth;

/// <summary>The safety net under the revocation notifications: a key revoked without one stops working within the cache's lifetime.</summary>
public sealed class ApiKeyLifetimeTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    [Fact]
    public async Task Key_revoked_in_the_database_without_a_notification_is_401_once_the_cache_lifetime_has_passed()
    {
        var created = await hub.Admin.PostJsonAsync("/api/v1/api-keys", new { name = "revoked behind our back", role = "org_admin" });
        var client = hub.Client(created["apiKey"]!.GetValue<string>());
        using var before = await client.GetAsync("/api/v1/locations");
        await using (var db = NpgsqlDataSource.Create(hub.ConnectionString))
        {
            await using var revoke = db.CreateCommand("UPDATE api_keys SET revoked_at = now() WHERE id = $1");
            revoke.Parameters.AddWithValue(created["key"]!["id"]!.GetValue<Guid>());
            await revoke.ExecuteNonQueryAsync();
        }

        hub.Time.Advance(ApiKeyCache.Lifetime);
        using var after = await client.GetAsync("/api/v1/locations");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        await after.ProblemAsync(401);
    }
}
