using Coworking.Edge.Cache;
using Coworking.Edge.Decisions;
using Coworking.Edge.Tests.Support;
using Coworking.Proto.V1;
using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;
using static Coworking.Testing.ChangeLog;

namespace Coworking.Edge.Tests.Cache;

public sealed class GrantCacheTests : IDisposable
{
    private readonly CacheBuilder _cache = new();

    public void Dispose() => _cache.Dispose();

    [Fact]
    public void Applied_batch_and_its_seq_survive_a_reopen()
    {
        var result = _cache.Apply(Location(), Door("front"), Holder("alice"), Card("alice-card", "alice", 12, 1001), Grant("g", "alice"));

        var reopened = _cache.Reopen();

        Assert.Equal(new ApplyResult(ApplyOutcome.Applied, 5), result);
        Assert.Equal(5, reopened.AppliedSeq);
        Assert.Equal(LocationId, reopened.Index.LocationId);
        Assert.Equal("Europe/London", reopened.Index.Location!.TimeZone.Id);
        Assert.True(reopened.Index.TryGetCard(new CardKey(12, 1001), out var card));
        Assert.Equal("alice", card.HolderId);
        Assert.Single(reopened.Index.GrantsOf("alice").ToArray());
    }

    [Fact]
    public void Removed_holder_leaves_the_cache_with_every_credential_and_grant_revoked_or_not_and_stays_gone_after_a_reopen()
    {
        _cache.Apply(
            Location(), Door("front"), Holder("alice"), Card("alice-card", "alice", 12, 1001), Grant("alice-grant", "alice"),
            Holder("pass"), Card("pass-qr", "pass", 0, 77), Pin("pass-pin", "pass", "12345678"), Grant("pass-grant", "pass", ["front"]), Revoke("pass-qr"));

        _cache.Apply(RemoveHolder("pass"));
        var reopened = _cache.Reopen().Index;

        foreach (var index in new[] { _cache.Cache.Index, reopened })
        {
            Assert.Equal((1, 1, 1), (index.CredentialCount, index.HolderCount, index.GrantCount));
            Assert.False(index.TryGetHolder("pass", out _));
            Assert.False(index.TryGetCredential("pass-qr", out _));
            Assert.False(index.TryGetCard(new CardKey(0, 77), out _));
            Assert.Empty(index.GrantsOf("pass").ToArray());
            Assert.True(index.TryGetCard(new CardKey(12, 1001), out _));
        }
    }

    [Fact]
    public void Cache_identity_is_kept_across_reopen_and_new_for_a_new_file()
    {
        var first = _cache.Cache.CacheId;
        using var other = new CacheBuilder();

        Assert.Equal(first, _cache.Reopen().CacheId);
        Assert.NotEqual(first, other.Cache.CacheId);
    }

    [Fact]
    public void Batch_applied_before_is_ignored()
    {
        var batch = _cache.Log.Batch(Location(), Holder("alice"));
        _cache.Cache.Apply(batch);
        _cache.Apply(Holder("alice", HolderStatus.Suspended));

        var again = _cache.Cache.Apply(batch);

        Assert.Equal(ApplyOutcome.AlreadyApplied, again.Outcome);
        Assert.Equal(3, _cache.Cache.AppliedSeq);
        Assert.True(_cache.Cache.Index.TryGetHolder("alice", out var alice));
        Assert.Equal(HolderStatus.Suspended, alice.Status);
    }

    [Fact]
    public void Batch_overlapping_the_applied_seq_applies_only_its_new_changes()
    {
        var log = new ChangeLog();
        var first = log.Batch(Location(), Holder("alice"));
        var second = log.Batch(Holder("alice", HolderStatus.Suspended), Holder("bob"));
        var overlapping = new ChangeBatch { LocationId = LocationId, LastSeq = second.LastSeq };
        overlapping.Changes.Add(first.Changes[1]);
        overlapping.Changes.AddRange(second.Changes);
        _cache.Cache.Apply(first);

        var result = _cache.Cache.Apply(overlapping);

        Assert.Equal(ApplyOutcome.Applied, result.Outcome);
        Assert.Equal(4, _cache.Cache.AppliedSeq);
        Assert.True(_cache.Cache.Index.TryGetHolder("alice", out var alice));
        Assert.Equal(HolderStatus.Suspended, alice.Status);
    }

    [Fact]
    public void Batch_after_a_gap_is_not_applied_and_says_where_to_resume()
    {
        var log = new ChangeLog();
        _cache.Cache.Apply(log.Batch(Location(), Holder("alice")));
        log.Batch(Holder("bob"));

        var result = _cache.Cache.Apply(log.Batch(Holder("carol")));

        Assert.Equal(new ApplyResult(ApplyOutcome.Gap, 2), result);
        Assert.False(_cache.Cache.Index.TryGetHolder("carol", out _));
        Assert.Equal(2, _cache.Reopen().AppliedSeq);
    }

    [Fact]
    public void Batch_for_another_location_or_out_of_order_is_refused_and_counted()
    {
        _cache.Apply(Location());
        var other = new ChangeLog("loc-2");
        var outOfOrder = new ChangeBatch { LocationId = LocationId, LastSeq = 3 };
        outOfOrder.Changes.Add(new Change(Holder("a")) { Seq = 3 });
        outOfOrder.Changes.Add(new Change(Holder("b")) { Seq = 2 });

        Assert.Equal(ApplyOutcome.Invalid, _cache.Cache.Apply(other.Batch(Holder("x"), Holder("y"))).Outcome);
        Assert.Equal(ApplyOutcome.Invalid, _cache.Cache.Apply(outOfOrder).Outcome);
        Assert.Equal(1, _cache.Cache.AppliedSeq);
        Assert.Equal(2, _cache.Cache.RejectedChanges);
    }

    [Fact]
    public void Unusable_changes_are_skipped_counted_and_the_rest_applied()
    {
        var badPin = Pin("bad-pin", "alice", "1234");
        badPin.Credential.PinHash = ByteString.CopyFrom(1, 2, 3);
        var badGrant = Grant("bad-grant", "alice", null, null, null, null, new WeeklyWindow { Weekday = 9, StartMinute = 0, EndMinute = 60 });

        var result = _cache.Apply(Location("Mars/Olympus_Mons"), Holder("alice"), badPin, badGrant, Card("card", "alice", 1, 2));

        Assert.Equal(new ApplyResult(ApplyOutcome.Applied, 5, RejectedChanges: 3), result);
        Assert.Null(_cache.Cache.Index.Location);
        Assert.False(_cache.Cache.Index.TryGetCredential("bad-pin", out _));
        Assert.False(_cache.Cache.Index.TryGetGrant("bad-grant", out _));
        Assert.True(_cache.Cache.Index.TryGetCredential("card", out _));
        Assert.Equal(3, _cache.Cache.RejectedChanges);
    }

    [Fact]
    public void Index_taken_before_a_batch_keeps_its_picture()
    {
        _cache.Apply(Location(), Holder("alice"), Card("card", "alice", 1, 2));
        var before = _cache.Cache.Index;

        _cache.Apply(Revoke("card"), Holder("bob"));

        Assert.Equal(3, before.Seq);
        Assert.True(before.TryGetCard(new CardKey(1, 2), out var card));
        Assert.False(card.Revoked);
        Assert.False(before.TryGetHolder("bob", out _));
        Assert.True(_cache.Cache.Index.TryGetCard(new CardKey(1, 2), out var now));
        Assert.True(now.Revoked);
    }

    [Fact]
    public void Reissued_card_number_moves_to_its_new_credential()
    {
        _cache.Apply(Location(), Holder("alice"), Holder("bob"), Card("old", "alice", 1, 2));
        _cache.Apply(Card("old", "alice", 1, 3), Card("new", "bob", 1, 2));

        var reopened = _cache.Reopen();

        Assert.True(reopened.Index.TryGetCard(new CardKey(1, 2), out var two));
        Assert.Equal("new", two.Id);
        Assert.True(reopened.Index.TryGetCard(new CardKey(1, 3), out var three));
        Assert.Equal("old", three.Id);
    }

    [Fact]
    public void Reopened_cache_decides_like_the_live_one()
    {
        var now = new DateTimeOffset(2025, 6, 4, 10, 0, 0, TimeSpan.Zero);
        _cache.Apply(Location(), Door("front"), Door("lab", cardAndPin: true), Door("gone"), Holder("alice"), Holder("bob", HolderStatus.Suspended),
            Card("alice-card", "alice", 1, 1), Pin("alice-pin", "alice", "2468"), Card("bob-card", "bob", 1, 2), Card("lost", "alice", 1, 3),
            Grant("g1", "alice", ["front", "lab"], now.AddDays(-1), now.AddDays(1)), Grant("g2", "bob"), Grant("g3", "alice", ["gone"]));
        _cache.Apply(Revoke("lost"), RemoveDoor("gone"), RemoveGrant("g3"));
        var presentations = new[]
        {
            Presentation.ForCard("front", "r", 1, 1), Presentation.ForCard("lab", "r", 1, 1), Presentation.ForCardAndPin("lab", "r", 1, 1, "2468"),
            Presentation.ForPin("front", "r", "2468"), Presentation.ForCard("front", "r", 1, 2), Presentation.ForCard("front", "r", 1, 3),
            Presentation.ForCard("gone", "r", 1, 1), Presentation.ForCard("front", "r", 1, 4),
        };
        var live = presentations.Select(p => DecisionEngine.Decide(_cache.Cache.Index, p, now)).ToList();

        var reopened = presentations.Select(p => DecisionEngine.Decide(_cache.Reopen().Index, p, now)).ToList();

        Assert.Equal(live, reopened);
        Assert.Equal(
            [DecisionReason.Granted, DecisionReason.PinRequired, DecisionReason.Granted, DecisionReason.Granted, DecisionReason.HolderSuspended,
             DecisionReason.Revoked, DecisionReason.NoGrantForDoor, DecisionReason.UnknownCredential],
            reopened.Select(d => d.Reason));
    }

    [Fact]
    public void Snapshot_replaces_everything_and_sets_its_seq()
    {
        _cache.Apply(Location(), Holder("alice"), Card("alice-card", "alice", 1, 1), Grant("g", "alice"));
        var snapshot = new ChangeBatch { LocationId = LocationId, LastSeq = 100 };
        snapshot.Changes.Add(Location("America/New_York"));
        snapshot.Changes.Add(Holder("bob"));
        snapshot.Changes.Add(Card("bob-card", "bob", 1, 2));

        var result = _cache.Cache.ApplySnapshot(snapshot);
        var reopened = _cache.Reopen();

        Assert.Equal(new ApplyResult(ApplyOutcome.Applied, 100), result);
        Assert.Equal(100, reopened.AppliedSeq);
        Assert.Equal("America/New_York", reopened.Index.Location!.TimeZone.Id);
        Assert.False(reopened.Index.TryGetCredential("alice-card", out _));
        Assert.False(reopened.Index.TryGetGrant("g", out _));
        Assert.True(reopened.Index.TryGetCard(new CardKey(1, 2), out _));
        Assert.Equal(1, reopened.Index.HolderCount);
    }

    [Fact]
    public void Snapshot_keeps_the_cache_identity_and_later_batches_apply_on_top_of_it()
    {
        var identity = _cache.Cache.CacheId;
        var snapshot = new ChangeBatch { LocationId = LocationId, LastSeq = 100 };
        snapshot.Changes.Add(Location());
        snapshot.Changes.Add(Holder("bob"));
        var next = new ChangeBatch { LocationId = LocationId, LastSeq = 101 };
        next.Changes.Add(Card("bob-card", "bob", 1, 2));
        next.Changes[0].Seq = 101;

        _cache.Cache.ApplySnapshot(snapshot);
        var applied = _cache.Cache.Apply(next);
        var reopened = _cache.Reopen();

        Assert.Equal((ApplyOutcome.Applied, 101L), (applied.Outcome, applied.AppliedSeq));
        Assert.Equal((identity, 101L), (reopened.CacheId, reopened.AppliedSeq));
        Assert.True(reopened.Index.TryGetCard(new CardKey(1, 2), out _));
    }

    [Fact]
    public void Door_and_grant_of_a_snapshot_removed_later_stay_removed_after_reopening_and_can_come_back()
    {
        var snapshot = new ChangeBatch { LocationId = LocationId, LastSeq = 100 };
        snapshot.Changes.AddRange([Location(), Door("front"), Door("back"), Holder("bob"), Card("bob-card", "bob", 1, 2), Grant("g1", "bob"), Grant("g2", "bob")]);
        _cache.Cache.ApplySnapshot(snapshot);
        var removals = new ChangeBatch { LocationId = LocationId, LastSeq = 102 };
        removals.Changes.AddRange([RemoveDoor("back"), RemoveGrant("g2")]);
        (removals.Changes[0].Seq, removals.Changes[1].Seq) = (101, 102);
        var returns = new ChangeBatch { LocationId = LocationId, LastSeq = 103 };
        returns.Changes.Add(Grant("g2", "bob"));
        returns.Changes[0].Seq = 103;

        _cache.Cache.Apply(removals);
        var removed = _cache.Reopen().Index;
        _cache.Cache.Apply(returns);
        var back = _cache.Reopen().Index;

        Assert.Equal((false, false, true, true), (removed.TryGetDoor("back", out _), removed.TryGetGrant("g2", out _), removed.TryGetDoor("front", out _), removed.TryGetGrant("g1", out _)));
        Assert.True(back.TryGetGrant("g2", out _));
        Assert.Equal(0, _cache.Cache.RejectedChanges);
    }

    [Fact]
    public void Snapshot_fed_in_chunks_changes_nothing_until_it_completes()
    {
        _cache.Apply(Location(), Holder("alice"), Card("alice-card", "alice", 1, 1));
        var load = _cache.Cache.BeginSnapshot(LocationId, 50);

        load.Add([Location(), Holder("bob")]);
        load.Add([Card("bob-card", "bob", 1, 2)]);
        var before = (_cache.Cache.AppliedSeq, _cache.Cache.Index.TryGetCredential("alice-card", out _));
        var result = load.Complete();

        Assert.Equal((3L, true), before);
        Assert.Equal((ApplyOutcome.Applied, 50L, 3L), (result.Outcome, result.AppliedSeq, load.Changes));
        Assert.False(_cache.Cache.Index.TryGetCredential("alice-card", out _));
        Assert.True(_cache.Reopen().Index.TryGetCredential("bob-card", out _));
    }

    [Fact]
    public void Log_epoch_is_kept_with_the_snapshot_that_brought_it_and_not_with_one_cut_short()
    {
        _cache.Apply(Location(), Holder("alice"));
        _cache.Cache.KeepLogEpoch("epoch-1");
        var afterResume = _cache.Reopen().LogEpoch;
        var cutShort = _cache.Cache.BeginSnapshot(LocationId, 40, "epoch-2");
        cutShort.Add([Location()]);
        cutShort.Dispose();
        var afterCutShort = _cache.Reopen().LogEpoch;
        var load = _cache.Cache.BeginSnapshot(LocationId, 50, "epoch-2");
        load.Add([Location(), Holder("bob")]);
        load.Complete();
        var afterSnapshot = _cache.Reopen().LogEpoch;
        _cache.Cache.KeepLogEpoch("");

        Assert.Equal(("epoch-1", "epoch-1", "epoch-2"), (afterResume, afterCutShort, afterSnapshot));
        Assert.Equal(("epoch-2", 50L), (_cache.Reopen().LogEpoch, _cache.Cache.AppliedSeq));
    }

    [Fact]
    public void Snapshot_of_many_packs_written_across_checkpoints_is_whole_after_reopening()
    {
        const int members = 12_000;
        var load = _cache.Cache.BeginSnapshot(LocationId, 50);

        load.Add([Location()]);
        foreach (var chunk in Enumerable.Range(0, members).Chunk(1000))
        {
            load.Add(chunk.SelectMany(i => new[] { Holder($"m{i}"), Card($"c{i}", $"m{i}", 1, (ulong)i + 1) }));
        }

        load.Complete();
        var reopened = _cache.Reopen().Index;

        Assert.Equal(members, reopened.HolderCount);
        Assert.All(Enumerable.Range(0, members), i => Assert.True(reopened.TryGetCard(new CardKey(1, (ulong)i + 1), out _)));
    }

    [Fact]
    public void Snapshot_file_left_by_a_crash_before_its_swap_is_discarded_and_the_cache_kept()
    {
        _cache.Apply(Location(), Holder("alice"), Card("alice-card", "alice", 1, 1));
        File.WriteAllBytes(_cache.CachePath + ".snapshot", [1, 2, 3]);

        var reopened = _cache.Reopen();

        Assert.Equal(3, reopened.AppliedSeq);
        Assert.True(reopened.Index.TryGetCredential("alice-card", out _));
        Assert.False(File.Exists(_cache.CachePath + ".snapshot"));
    }

    [Fact]
    public void Unreadable_cache_file_is_moved_aside_and_the_cache_starts_empty()
    {
        using var directory = new TempDirectory();
        var path = directory.File("cache.db");
        File.WriteAllBytes(path, Enumerable.Range(0, 20000).Select(i => (byte)(i * 7)).ToArray());

        using var cache = GrantCache.Open(path, new FakeTimeProvider(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero)), Logs.For<GrantCache>());

        Assert.Equal(0, cache.AppliedSeq);
        Assert.True(File.Exists(path + ".corrupt-20250102030405"));
    }
}
