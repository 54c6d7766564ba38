using Coworking.Testing;
using Coworking.Testing.Sync;

namespace Coworking.EndToEnd.Tests.Sync;

/// <summary>
/// The hub's database restored from a backup (docs/OPERATIONS.md, "After a restore: the edges"): its change log ends at
/// an older seq than the edge applied, and whatever the restored hub writes then reuses the edge's seqs for other
/// changes. The edge takes a snapshot anyway: the hub notices a restore by archive recovery itself (a new WAL timeline),
/// and `coworking-hub new-log-epoch` covers a copy started as it is.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class RestoreTests
{
    [Fact]
    public Task Edge_takes_a_snapshot_from_a_restored_hub_that_wrote_past_its_seq_before_it_reconnected() =>
        RestoreAndReconnectAsync(PgCopy.Start.AsIs, runNewLogEpoch: true);

    [Fact]
    public Task Hub_restored_by_archive_recovery_gives_the_edge_a_snapshot_without_anyone_running_new_log_epoch() =>
        RestoreAndReconnectAsync(PgCopy.Start.ArchiveRecovery, runNewLogEpoch: false);

    private static async Task RestoreAndReconnectAsync(PgCopy.Start restore, bool runNewLogEpoch)
    {
        await using var site = await SyncSite.StartAsync();
        await using var backup = await PgCopy.BaseBackupAsync((await PostgresServer.SharedAsync()).ConnectionString, restore);

        // After the backup: Grace gets a card, the edge learns it, and the restore will forget it.
        await site.Api.CreateMemberWithCardAsync(site.LocationId, 42, 10002);
        await site.SyncedAsync();
        var graceBeforeRestore = await site.BadgeAsync("42:10002");
        var edgeSeq = await site.Edge.SeqAsync();

        await site.Edge.KillAsync();
        var restored = backup.Same(site.Api.ConnectionString);
        if (runNewLogEpoch)
        {
            var rotated = await ProgramRun.RunAsync("hub/Coworking.Hub", "coworking-hub", ["new-log-epoch", .. PostgresServer.HubSettings(restored)]);
            Assert.True(rotated.ExitCode == 0, rotated.Stderr);
        }

        await site.Hub.RestartOnAsync(restored);
        site.Api.UseDatabase(restored);
        Assert.True(await site.Api.LocationSeqAsync(site.LocationId) < edgeSeq, "the restored log ends before the edge's seq");

        // The restored hub is used before the edge is back: its log grows past the edge's seq with other changes.
        var henry = 10003;
        while (await site.Api.LocationSeqAsync(site.LocationId) < edgeSeq)
        {
            await site.Api.CreateMemberWithCardAsync(site.LocationId, 42, henry++);
        }

        await site.Edge.StartAsync();
        await site.Edge.WaitForConnectedAsync(true);
        await site.Edge.WaitForStatusAsync(s => s.GetProperty("readers").EnumerateArray().Any(r => r.GetProperty("online").GetBoolean()), "reader online");
        // One change more, so the log is past the edge's seq whichever way the edge started.
        await site.Api.CreateMemberWithCardAsync(site.LocationId, 42, henry);
        await site.SyncedAsync();
        var graceAfterRestore = await site.BadgeAsync("42:10002");
        var newMember = await site.BadgeAsync($"42:{henry}");
        var ada = await site.BadgeAsync();

        Assert.Equal(("granted", "denied", "granted", "granted"), (graceBeforeRestore, graceAfterRestore, newMember, ada));
    }
}
