using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Access;
using Coworking.Hub.Bridges;
using Coworking.Hub.Tests.Support;
using Coworking.Proto.V1;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Hub.Tests.Bridges;

/// <summary>Vendor doors and accounts through the REST API against the real PostgreSQL, and what reaches the change log.</summary>
public sealed class VendorBridgesApiTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Fact]
    public async Task Kisi_door_reaches_the_edges_with_its_lock_id_and_is_read_back()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads the change log as edge sync does");
        var (location, door) = await DoorAsync();

        var set = await hub.Admin.PutJsonAsync($"/api/v1/locations/{location}/doors/{door}/controller", new { controller = "kisi", kisiLockId = "4711" });
        var read = await hub.Admin.GetJsonAsync($"/api/v1/locations/{location}/doors/{door}/controller");

        Assert.Equal(("kisi", "4711"), (set["controller"]!.GetValue<string>(), read["kisiLockId"]!.GetValue<string>()));
        var upsert = (await NewestAsync(location)).Door;
        Assert.Equal((DoorController.Kisi, "", "4711", "Reception"), (upsert.Controller, upsert.VendorSiteId, upsert.VendorLockId, upsert.Name));
    }

    [Fact]
    public async Task Salto_and_brivo_doors_carry_their_site_and_lock_ids()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads the change log as edge sync does");
        var (location, door) = await DoorAsync();

        await hub.Admin.PutJsonAsync($"/api/v1/locations/{location}/doors/{door}/controller", new { controller = "salto_ks", saltoSiteId = "site-a", saltoLockId = "lock-1" });
        var salto = (await NewestAsync(location)).Door;
        await hub.Admin.PutJsonAsync($"/api/v1/locations/{location}/doors/{door}/controller", new { controller = "brivo", brivoSiteId = "77", brivoAccessPointId = "901" });
        var brivo = (await NewestAsync(location)).Door;

        Assert.Equal((DoorController.SaltoKs, "site-a", "lock-1"), (salto.Controller, salto.VendorSiteId, salto.VendorLockId));
        Assert.Equal((DoorController.Brivo, "77", "901"), (brivo.Controller, brivo.VendorSiteId, brivo.VendorLockId));
    }

    [Theory]
    [InlineData("""{"controller":"kisi"}""", "kisiLockId")]
    [InlineData("""{"controller":"kisi","kisiLockId":"front"}""", "kisiLockId")]
    [InlineData("""{"controller":"brivo","brivoSiteId":"1"}""", "brivoAccessPointId")]
    [InlineData("""{"controller":"edge","kisiLockId":"1"}""", "kisiLockId")]
    [InlineData("""{}""", "controller")]
    public async Task Invalid_controller_is_a_problem_naming_the_field_and_nothing_reaches_the_log(string body, string field)
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads the change log as edge sync does");
        var (location, door) = await DoorAsync();
        var before = await SeqAsync(location);

        using var response = await hub.Admin.PutAsync($"/api/v1/locations/{location}/doors/{door}/controller", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal([field], (await response.ProblemAsync(400)).ErrorFields());
        Assert.Equal(before, await SeqAsync(location));
    }

    [Fact]
    public async Task Vendor_account_secrets_are_never_answered_nor_written_to_the_change_log_or_the_database_in_clear()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads the change log and the accounts as edge sync does");
        var location = await hub.CreateLocationAsync();
        const string key = "kisi-secret-api-key-0123456789";
        const string webhook = "kisi-webhook-secret-abcdef";

        var set = await hub.Admin.PutJsonAsync($"/api/v1/locations/{location}/vendor-accounts/kisi",
            new { apiBase = "http://127.0.0.1:9/kisi/api", secrets = new { api_key = key, webhook_secret = webhook } });
        var listed = await hub.Admin.GetJsonAsync($"/api/v1/locations/{location}/vendor-accounts");
        var marker = (await NewestAsync(location)).VendorAccount;
        var forEdge = await hub.Services.GetRequiredService<VendorBridgeStore>().ForEdgeAsync(location, default);

        Assert.Equal(["api_key", "webhook_secret"], set["secretNames"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.DoesNotContain(key, listed.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(key, set.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("kisi", marker.Vendor);
        Assert.DoesNotContain(key, await RawAsync("SELECT coalesce(string_agg(payload::text, ''), '') FROM change_log WHERE location_id = @location", location), StringComparison.Ordinal);
        Assert.DoesNotContain(key, await RawAsync("SELECT secrets_protected FROM location_vendor_accounts WHERE location_id = @location", location), StringComparison.Ordinal);
        var account = Assert.Single(forEdge.Accounts);
        Assert.Equal((key, webhook, "http://127.0.0.1:9/kisi/api"), (account.Secrets["api_key"], account.Secrets["webhook_secret"], account.ApiBase));
    }

    [Fact]
    public async Task Vendor_account_without_a_secret_its_vendor_needs_is_a_problem_naming_it()
    {
        var location = await hub.CreateLocationAsync();

        using var missing = await hub.Admin.PutAsJsonAsync($"/api/v1/locations/{location}/vendor-accounts/brivo", new { secrets = new { client_id = "c", client_secret = "s" } });
        using var unknown = await hub.Admin.PutAsJsonAsync($"/api/v1/locations/{location}/vendor-accounts/acme", new { secrets = new { api_key = "k" } });

        Assert.Equal(["secrets.api_key", "secrets.username", "secrets.password"], (await missing.ProblemAsync(400)).ErrorFields());
        Assert.Equal(["vendor"], (await unknown.ProblemAsync(400)).ErrorFields());
    }

    [Fact]
    public async Task Removed_vendor_account_is_gone_for_the_edges_and_marked_in_the_log()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads the change log and the accounts as edge sync does");
        var location = await hub.CreateLocationAsync();
        var set = await hub.Admin.PutJsonAsync($"/api/v1/locations/{location}/vendor-accounts/salto_ks", new { secrets = new { client_id = "c", client_secret = "s", otp_secret = "JBSWY3DPEHPK3PXP" } });

        using var removed = await hub.Admin.DeleteAsync($"/api/v1/locations/{location}/vendor-accounts/salto_ks");

        Assert.Equal(204, (int)removed.StatusCode);
        Assert.Empty((await hub.Services.GetRequiredService<VendorBridgeStore>().ForEdgeAsync(location, default)).Accounts);
        Assert.True((await NewestAsync(location)).VendorAccount.Version > set["version"]!.GetValue<long>());
    }

    private async Task<(Guid Location, Guid Door)> DoorAsync()
    {
        var location = await hub.CreateLocationAsync();
        var area = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{location}/areas", new { name = "Lobby" })).Id();
        var door = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{location}/doors", new { areaId = area, name = "Reception", unlockMs = 3000 })).Id();
        return (location, door);
    }

    private async Task<string> RawAsync(string sql, Guid location)
    {
        await using var conn = new NpgsqlConnection(hub.ConnectionString);
        await conn.OpenAsync();
        await conn.ExecuteAsync("SELECT set_config('coworking.system', 'on', false)");
        var raw = await conn.ExecuteScalarAsync<string>(sql, new { location }) ?? "";
        Assert.NotEqual("", raw);
        return raw;
    }

    private async Task<Change> NewestAsync(Guid location)
    {
        var log = hub.Services.GetRequiredService<ChangeLogStore>();
        var seq = await SeqAsync(location);
        return Assert.Single(await log.ReadAsync(location, seq - 1, 1, default));
    }

    private async Task<long> SeqAsync(Guid location) =>
        (await hub.Services.GetRequiredService<ChangeLogStore>().ReadPositionAsync(location, default))!.LastSeq;
}
