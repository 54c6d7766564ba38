using Coworking.EndToEnd.Tests.Sync;
using Coworking.Testing;
using Coworking.Testing.Sync;
using Npgsql;
using Xunit.Abstractions;

namespace Coworking.EndToEnd.Tests.Access;

/// <summary>
/// The right to erasure through the real hub, edge and reader sim: once an operator erases a member who asked, their card
/// is refused at the door (the edge forgot their grants), and their name and e-mail are in no table but the invoices the
/// law requires kept; the door's events stay, naming no one.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class ErasureAtTheDoorTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Erased_members_card_is_refused_and_their_name_and_email_are_gone_from_the_database()
    {
        await using var site = await SyncSite.StartAsync();
        try
        {
            await ErasedAsync(site);
        }
        catch
        {
            output.WriteLine(site.Hub.Output);
            throw;
        }
    }

    private static async Task ErasedAsync(SyncSite site)
    {
        var email = (await site.Api.GetAsync($"/api/v1/members/{site.AdaId}")).GetProperty("email").GetString()!;
        await site.SyncedAsync();
        var before = await site.BadgeAsync();
        var (refused, _) = await site.Api.PostForStatusAsync($"/api/v1/members/{site.AdaId}/erase", new { });

        await site.Api.PostAsync($"/api/v1/members/{site.AdaId}/erasure-request", new { });
        await site.Api.PostAsync($"/api/v1/members/{site.AdaId}/erase", new { });
        await site.SyncedAsync();
        var after = await site.BadgeAsync();

        Assert.Equal("granted", before);
        Assert.Equal(409, refused);
        Assert.Equal("denied", after);
        await using var conn = new NpgsqlConnection(site.Api.ConnectionString);
        await conn.OpenAsync();
        Assert.Empty(await PersonalDataScan.TablesHoldingAsync(conn, "Ada Lovelace"));
        Assert.Empty(await PersonalDataScan.TablesHoldingAsync(conn, email));
        await using var doorEvents = new NpgsqlCommand("SELECT count(*) FROM access_events WHERE door_id = @door AND member_id IS NULL", conn);
        doorEvents.Parameters.AddWithValue("door", site.DoorId);
        Assert.True((long)(await doorEvents.ExecuteScalarAsync())! >= 1, "the door's events are kept without the member");
    }
}
