using Coworking.Testing.Sync;
using Npgsql;

namespace Coworking.EndToEnd.Tests.Sync;

/// <summary>An edge further behind than the change log keeps gets a snapshot, and with it the same picture as the log.</summary>
[Collection(SyncCollection.Name)]
public sealed class CompactionTests
{
    [Fact]
    public async Task Edge_behind_the_compacted_log_gets_a_snapshot_with_removals_left_out()
    {
        await using var site = await SyncSite.StartAsync(reader: false, hubSettings: ["--EdgeSync:ChangeLogRetention=00:00:00", "--EdgeSync:CompactionInterval=00:00:01"]);
        await site.Edge.KillAsync();
        var applied = await site.Api.LocationSeqAsync(site.LocationId);
        var grace = await site.Api.CreateMemberWithCardAsync(site.LocationId, 42, 10002);
        await site.Api.SuspendAsync(grace);
        await site.Api.CreateMemberWithCardAsync(site.LocationId, 42, 10003);
        var target = await site.Api.LocationSeqAsync(site.LocationId);
        await Eventually.Async(async () => await CompactedThroughAsync(site) >= target, "the log compacted");

        await site.Edge.StartAsync();
        await site.Edge.WaitForSeqAsync(target);
        var cache = (await site.Edge.StatusAsync()).GetProperty("cache");

        Assert.True(applied < target);
        Assert.Contains("Snapshot from applied seq", site.Edge.Output, StringComparison.Ordinal);
        Assert.Equal((3, 3, 2), (cache.GetProperty("credentials").GetInt32(), cache.GetProperty("holders").GetInt32(), cache.GetProperty("grants").GetInt32()));
    }

    private static async Task<long> CompactedThroughAsync(SyncSite site)
    {
        await using var conn = new NpgsqlConnection(site.Api.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT coalesce(max(compacted_through), 0) FROM change_log_compaction WHERE location_id = @id", conn);
        cmd.Parameters.AddWithValue("id", site.LocationId);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
