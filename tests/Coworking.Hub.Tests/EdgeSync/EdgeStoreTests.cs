using Coworking.Hub.Access;
using Coworking.Hub.Database;
using Coworking.Hub.EdgeSync;
using Coworking.Hub.Tests.Support;
using Coworking.Proto.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Coworking.Hub.Tests.EdgeSync;

/// <summary>
/// The hub's side of sync against the real database, with the clock in the test's hands: enrolment codes,
/// edge credentials, event intake, snapshots and compaction.
/// </summary>
public sealed class EdgeStoreTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    private TenantDataSource Db => hub.Services.GetRequiredService<TenantDataSource>();

    private ChangeLogStore Log => hub.Services.GetRequiredService<ChangeLogStore>();

    [Fact]
    public async Task Code_enrols_one_edge_once_and_never_after_it_expires()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var store = Store();
        var location = await hub.CreateLocationAsync();
        var spent = await store.CreateEnrolmentCodeAsync(hub.OrganisationId, location, "box", TimeSpan.FromHours(1), "pin", default);
        var expiring = await store.CreateEnrolmentCodeAsync(hub.OrganisationId, location, "box", TimeSpan.FromHours(1), "pin", default);

        var first = await store.EnrollAsync(HashOf(spent.Code), "first", default);
        var again = await store.EnrollAsync(HashOf(spent.Code), "again", default);
        _time.Advance(TimeSpan.FromHours(1));
        var late = await store.EnrollAsync(HashOf(expiring.Code), "late", default);

        Assert.Equal(location, first?.Edge.LocationId);
        Assert.Null(again);
        Assert.Null(late);
    }

    [Fact]
    public async Task Edge_credential_is_refused_when_its_secret_is_wrong_or_the_edge_is_revoked()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var store = Store();
        var location = await hub.CreateLocationAsync();
        var code = await store.CreateEnrolmentCodeAsync(hub.OrganisationId, location, "box", TimeSpan.FromHours(1), "pin", default);
        var enrolled = (await store.EnrollAsync(HashOf(code.Code), "box", default))!;
        Assert.True(EdgeCredential.TryParse(enrolled.Credential, out var credential));

        var genuine = await store.AuthenticateAsync(credential, default);
        var wrong = await store.AuthenticateAsync(credential with { Secret = new string('0', 64) }, default);
        await store.RevokeAsync(hub.OrganisationId, null, enrolled.Edge.EdgeId, default);
        var revoked = await store.AuthenticateAsync(credential, default);

        Assert.Equal(enrolled.Edge, genuine);
        Assert.Null(wrong);
        Assert.Null(revoked);
    }

    [Fact]
    public async Task Events_sent_twice_are_stored_once_and_malformed_ones_are_rejected()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var location = await hub.CreateLocationAsync();
        var intake = new EventIntake(Db, _time, NullLogger<EventIntake>.Instance);
        var edge = new EdgeIdentity(Guid.NewGuid(), hub.OrganisationId, location);
        var at = Timestamp.FromDateTimeOffset(_time.GetUtcNow());
        ReportedEvent[] batch =
        [
            new() { EventId = "e1", Kind = ReportedEventKind.AccessDecision, OccurredAt = at, DoorId = Guid.NewGuid().ToString(), Reason = "granted" },
            new() { EventId = "e2", Kind = ReportedEventKind.DoorForcedOpen, OccurredAt = at, DoorId = Guid.NewGuid().ToString() },
            new() { EventId = "e3", Kind = ReportedEventKind.ReaderOffline, OccurredAt = at, ReaderId = "osdp:1" },
            new() { EventId = "", Kind = ReportedEventKind.AccessDecision, OccurredAt = at, Reason = "granted" },
            new() { EventId = "e5", Kind = ReportedEventKind.Unspecified, OccurredAt = at },
        ];

        var first = await intake.StoreAsync(edge, batch, default);
        var second = await intake.StoreAsync(edge, batch, default);

        Assert.Equal(["e1", "e2", "e3"], first.Stored);
        Assert.Equal(["", "e5"], first.Rejected);
        Assert.Equal(first.Stored, second.Stored);
        Assert.Equal(first.Rejected, second.Rejected);
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM access_events WHERE edge_id = @edge", edge.EdgeId.ToString()));
        Assert.Equal(2L, await CountAsync("SELECT count(*) FROM edge_events WHERE edge_id = @edge", edge.EdgeId.ToString()));
    }

    [Fact]
    public async Task Snapshot_holds_each_live_entity_newest_entry_and_leaves_removals_out()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var location = await hub.CreateLocationAsync();
        var member = await HubFixture.CreateMemberAsync(hub.Admin, location);
        var card = (await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "card", facilityCode = 3, cardNumber = 333 })).Id();
        await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/suspend", new { });
        using (await hub.Admin.DeleteAsync(new Uri($"/api/v1/credentials/{card}", UriKind.Relative)))
        {
        }

        var snapshot = await ReadSnapshotAsync(location);

        Assert.Equal(await LastSeqAsync(location), snapshot.Seq);
        Assert.Equal(
            [Change.KindOneofCase.Location, Change.KindOneofCase.Holder],
            snapshot.Changes.Select(c => c.KindCase).Order());
        Assert.Equal(HolderStatus.Suspended, snapshot.Changes.Single(c => c.KindCase == Change.KindOneofCase.Holder).Holder.Status);
    }

    [Fact]
    public async Task Compaction_deletes_only_superseded_entries_older_than_the_retention_and_the_snapshot_stays_the_same()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var location = await hub.CreateLocationAsync();
        var member = await Workspace.MemberAsync(hub.Admin, location, await Workspace.TierAsync(hub.Admin, Workspace.Terms()));
        await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/suspend", new { });
        await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/reinstate", new { });
        var before = await ReadSnapshotAsync(location);
        var entries = await Log.ReadAsync(location, 0, 100, default);
        _time.SetUtcNow(entries[^1].CommittedAt.ToDateTimeOffset().AddDays(30).AddSeconds(1));
        var compactor = new ChangeLogCompactor(Db, _time, Options.Create(new EdgeSyncOptions { ChangeLogRetention = TimeSpan.FromDays(30) }),
            NullLogger<ChangeLogCompactor>.Instance);

        var deleted = await compactor.CompactAsync(default);

        var after = await ReadSnapshotAsync(location);
        var left = await Log.ReadAsync(location, 0, 100, default);
        Assert.True(deleted >= 4, $"{deleted} entries deleted");
        Assert.Equal([1L, 6L, 7L], left.Select(c => c.Seq));
        Assert.Equal(before.Seq, after.Seq);
        Assert.Equal(before.Changes.Select(c => c.Seq).Order(), after.Changes.Select(c => c.Seq).Order());
        Assert.Equal(entries[^1].Seq, (await Log.ReadPositionAsync(location, default))!.CompactedThrough);
    }

    private EdgeStore Store() => new(Db, _time, Options.Create(new EdgeSyncOptions()));

    private static byte[] HashOf(string code) => EnrolmentCode.HashSecret(code[..code.IndexOf('.', StringComparison.Ordinal)]);

    private async Task<SnapshotPart> ReadSnapshotAsync(Guid location)
    {
        var changes = new List<Change>();
        var seq = 0L;
        await foreach (var part in Log.ReadSnapshotAsync(location, 2, default))
        {
            changes.AddRange(part.Changes);
            seq = part.Seq;
        }

        return new SnapshotPart(seq, changes);
    }

    private async Task<long> LastSeqAsync(Guid location) => (await Log.ReadPositionAsync(location, default))!.LastSeq;

    private async Task<long> CountAsync(string sql, string edgeId)
    {
        await using var conn = await Db.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue("edge", edgeId);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
