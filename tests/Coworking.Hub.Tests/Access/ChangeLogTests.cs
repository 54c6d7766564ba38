using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Coworking.Hub.Access;
using Coworking.Hub.Tests.Support;
using Coworking.Proto.V1;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Hub.Tests.Access;

/// <summary>The change log (ARCHITECTURE §4): appended in the same transaction, seq without gaps or reorderings.</summary>
public sealed class ChangeLogTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private ChangeLogStore Log => hub.Services.GetRequiredService<ChangeLogStore>();

    [Fact]
    public async Task New_location_starts_its_log_with_its_settings_and_the_pin_key()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var location = await hub.CreateLocationAsync("Keyed House", "Europe/Berlin");

        var first = Assert.Single(await Log.ReadAsync(location, 0, 10, default));

        Assert.Equal(1, first.Seq);
        Assert.Equal("Europe/Berlin", first.Location.TimeZone);
        Assert.Equal(32, first.Location.PinKey.Length);
        var monday = Assert.Single(first.Location.StaffedHours);
        Assert.Equal((1, 480, 1080), (monday.Weekday, monday.StartMinute, monday.EndMinute));
    }

    [Fact]
    public async Task Rolled_back_transaction_leaves_no_entry_and_no_gap()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var location = await hub.CreateLocationAsync();
        await using (var conn = new NpgsqlConnection(hub.ConnectionString))
        {
            await conn.OpenAsync();
            await using var tx = await conn.BeginTransactionAsync();
            await ChangeLog.AppendAsync(conn, tx, [new LocationChange(location, Changes.DoorRemoved(Guid.NewGuid()))], DateTimeOffset.UnixEpoch, default);
            await tx.RollbackAsync();
        }

        var member = await HubFixture.CreateMemberAsync(hub.Admin, location);

        var changes = await Log.ReadAsync(location, 0, 100, default);
        Assert.Equal([1, 2], changes.Select(c => c.Seq));
        Assert.DoesNotContain(changes, c => c.KindCase == Change.KindOneofCase.DoorRemoved);
        Assert.Equal(member.ToString(), changes[1].Holder.HolderId);
    }

    [Fact]
    public async Task Rejected_duplicate_card_leaves_no_entry()
    {
        var location = await hub.CreateLocationAsync();
        var first = await HubFixture.CreateMemberAsync(hub.Admin, location);
        var second = await HubFixture.CreateMemberAsync(hub.Admin, location);
        await hub.Admin.PostJsonAsync($"/api/v1/members/{first}/credentials", new { kind = "card", facilityCode = 1, cardNumber = 4242 });
        var before = await Log.ReadAsync(location, 0, 100, default);

        using var response = await hub.Admin.PostAsJsonAsync($"/api/v1/members/{second}/credentials", new { kind = "card", facilityCode = 1, cardNumber = 4242 });

        await response.ProblemAsync(409);
        Assert.Equal(before.Count, (await Log.ReadAsync(location, 0, 100, default)).Count);
    }

    [Fact]
    public async Task Concurrent_writers_get_every_seq_once_and_a_polling_reader_sees_each_entry_once_in_order()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        const int writers = 8;
        const int perWriter = 50;
        var location = await hub.CreateLocationAsync("Busy House");
        var db = hub.Services.GetRequiredService<Coworking.Hub.Database.TenantDataSource>();
        using var writing = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        var committed = 0;
        async Task Write(int writer)
        {
            for (var i = 0; i < perWriter; i++)
            {
                await using var conn = await db.OpenConnectionAsync(writing.Token);
                await using var tx = await conn.BeginTransactionAsync(writing.Token);
                await ChangeLog.AppendAsync(conn, tx, [new LocationChange(location, Changes.DoorRemoved(Guid.NewGuid()))], DateTimeOffset.UnixEpoch, writing.Token);
                if ((writer + i) % 9 == 0)
                {
                    await tx.RollbackAsync(writing.Token);
                    continue;
                }

                // Hold the transaction open a moment so commits of other writers would overtake it if they could.
                await Task.Yield();
                await tx.CommitAsync(writing.Token);
                Interlocked.Increment(ref committed);
            }
        }

        var done = false;
        var seen = new List<long>();
        var reader = Task.Run(
            async () =>
            {
                long last = 1;
                while (true)
                {
                    var finished = Volatile.Read(ref done);
                    var batch = await Log.ReadAsync(location, last, 37, writing.Token);
                    seen.AddRange(batch.Select(c => c.Seq));
                    last = batch.Count > 0 ? batch[^1].Seq : last;
                    if (finished && batch.Count == 0)
                    {
                        return;
                    }
                }
            },
            writing.Token);

        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() => Write(w), writing.Token)));
        Volatile.Write(ref done, true);
        await reader;

        var expected = Enumerable.Range(2, committed).Select(s => (long)s).ToList();
        Assert.Equal(expected, seen);
        Assert.Equal(expected, (await Log.ReadAsync(location, 1, 1000, default)).Select(c => c.Seq));
        Assert.True(committed > writers * perWriter / 2);
    }

    [Fact]
    public async Task Suspension_removes_the_membership_grant_and_reinstatement_restores_it()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var location = await hub.CreateLocationAsync();
        var member = await Workspace.MemberAsync(hub.Admin, location, await Workspace.TierAsync(hub.Admin, Workspace.Terms()));
        var card = await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "card", facilityCode = 12, cardNumber = 3456 });

        await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/suspend", new { });
        await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/reinstate", new { });

        var changes = (await Log.ReadAsync(location, 1, 100, default)).ToList();
        Assert.Equal(
            ["holder", "grant", "credential", "grant_removed", "holder", "holder", "grant"],
            changes.Select(c => ChangeNames.Kind(c.KindCase)));
        var grantId = changes[1].Grant.GrantId;
        Assert.True(changes[1].Grant.AllDoors);
        Assert.NotNull(changes[1].Grant.ValidUntil);
        Assert.Equal((CredentialKind.Card, 12u, 3456ul), (changes[2].Credential.Kind, changes[2].Credential.FacilityCode, changes[2].Credential.CardNumber));
        Assert.Equal(card.Id().ToString(), changes[2].Credential.CredentialId);
        Assert.Equal(grantId, changes[3].GrantRemoved.GrantId);
        Assert.Equal(HolderStatus.Suspended, changes[4].Holder.Status);
        Assert.Equal(HolderStatus.Active, changes[5].Holder.Status);
        Assert.Equal(grantId, changes[6].Grant.GrantId);
    }

    [Fact]
    public async Task Moving_home_moves_credentials_and_grant_to_the_new_location_log_and_removes_the_holder_from_the_old()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var oldHome = await hub.CreateLocationAsync("Old");
        var newHome = await hub.CreateLocationAsync("New");
        var member = await Workspace.MemberAsync(hub.Admin, oldHome, await Workspace.TierAsync(hub.Admin, Workspace.Terms()));
        var pin = (await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "pin", pin = "975310" })).Id();

        using var moved = await hub.Admin.PatchAsJsonAsync($"/api/v1/members/{member}", new { homeLocationId = newHome });
        await moved.SuccessBodyAsync();

        var old = (await Log.ReadAsync(oldHome, 4, 100, default)).ToList();
        Assert.Equal(["credential_revoked", "grant_removed", "holder_removed"], old.Select(c => ChangeNames.Kind(c.KindCase)));
        Assert.Equal(pin.ToString(), old[0].CredentialRevoked.CredentialId);
        Assert.Equal(member.ToString(), old[2].HolderRemoved.HolderId);
        var fresh = (await Log.ReadAsync(newHome, 1, 100, default)).ToList();
        Assert.Equal(["holder", "credential", "grant"], fresh.Select(c => ChangeNames.Kind(c.KindCase)));
        Assert.Equal(Changes.MembershipGrantId(member, newHome).ToString(), fresh[2].Grant.GrantId);
    }

    [Fact]
    public async Task Pin_is_carried_as_its_keyed_hash_under_the_organisation_pin_key()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var location = await hub.CreateLocationAsync();
        var member = await HubFixture.CreateMemberAsync(hub.Admin, location);

        await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "pin", pin = "135790" });

        var changes = await Log.ReadAsync(location, 0, 100, default);
        var pinKey = changes[0].Location.PinKey.ToByteArray();
        var credential = changes.Single(c => c.KindCase == Change.KindOneofCase.Credential).Credential;
        Assert.Equal(CredentialKind.Pin, credential.Kind);
        Assert.Equal(HMACSHA256.HashData(pinKey, Encoding.ASCII.GetBytes("135790")), credential.PinHash.ToByteArray());
    }

    [Fact]
    public async Task Revoked_credential_and_removed_door_are_logged()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var location = await hub.CreateLocationAsync();
        var area = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{location}/areas", new { name = "Hall" })).Id();
        var door = (await hub.Admin.PostJsonAsync($"/api/v1/locations/{location}/doors", new { areaId = area, name = "Main", unlockMs = 4000 })).Id();
        var member = await HubFixture.CreateMemberAsync(hub.Admin, location);
        var card = (await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "card", cardNumber = 77 })).Id();

        (await hub.Admin.DeleteAsync($"/api/v1/credentials/{card}")).Dispose();
        (await hub.Admin.DeleteAsync($"/api/v1/locations/{location}/doors/{door}")).Dispose();

        var changes = (await Log.ReadAsync(location, 0, 100, default)).ToList();
        Assert.Equal(
            ["location", "door", "holder", "credential", "credential_revoked", "door_removed"],
            changes.Select(c => ChangeNames.Kind(c.KindCase)));
        Assert.Equal((4000, FailMode.Secure), (changes[1].Door.UnlockMs, changes[1].Door.FailMode));
        Assert.Equal(card.ToString(), changes[4].CredentialRevoked.CredentialId);
        Assert.Equal(door.ToString(), changes[5].DoorRemoved.DoorId);
    }

    [Fact]
    public async Task Change_log_api_pages_by_seq_and_hides_the_pin_key_and_pin_hashes()
    {
        var location = await hub.CreateLocationAsync();
        var member = await HubFixture.CreateMemberAsync(hub.Admin, location);
        await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "pin", pin = "864209" });

        var firstPage = await hub.Admin.GetJsonAsync($"/api/v1/locations/{location}/changes?limit=2");
        var next = firstPage["nextAfter"]!.GetValue<long>();
        var secondPage = await hub.Admin.GetJsonAsync($"/api/v1/locations/{location}/changes?after={next}&limit=10");

        Assert.Equal([1L, 2L], firstPage.Items().Select(i => i["seq"]!.GetValue<long>()));
        Assert.Equal([3L], secondPage.Items().Select(i => i["seq"]!.GetValue<long>()));
        Assert.Null(secondPage["nextAfter"]);
        Assert.Equal("location", firstPage.Items()[0]["kind"]!.GetValue<string>());
        Assert.Null(firstPage.Items()[0]["change"]!["location"]!["pinKey"]);
        Assert.Equal("credential", secondPage.Items()[0]["kind"]!.GetValue<string>());
        Assert.Null(secondPage.Items()[0]["change"]!["credential"]!["pinHash"]);
        Assert.Equal("CREDENTIAL_KIND_PIN", secondPage.Items()[0]["change"]!["credential"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Commit_notifies_listeners_with_location_and_last_seq()
    {
        var location = await hub.CreateLocationAsync();
        await using var listener = new NpgsqlConnection(hub.ConnectionString);
        await listener.OpenAsync();
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.Notification += (_, e) => received.TrySetResult(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {ChangeLog.Channel}", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        await HubFixture.CreateMemberAsync(hub.Admin, location);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!received.Task.IsCompleted)
        {
            await listener.WaitAsync(timeout.Token);
        }

        Assert.Equal($"{location}:2", await received.Task);
    }
}
