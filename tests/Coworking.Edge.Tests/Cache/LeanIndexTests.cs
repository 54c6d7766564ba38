using Coworking.Edge.Cache;
using Coworking.Edge.Decisions;
using Coworking.Edge.Tests.Support;
using Coworking.Proto.V1;
using Google.Protobuf;
using static Coworking.Testing.ChangeLog;

namespace Coworking.Edge.Tests.Cache;

/// <summary>
/// The index keeps only decision-shaped data and the file only changes: what the cache writes back (its
/// rewrite from the index) and what it replays must give the very same index.
/// </summary>
public sealed class LeanIndexTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2025, 6, 4, 10, 0, 0, TimeSpan.Zero);
    private static readonly string Ada = Guid.NewGuid().ToString();
    private static readonly string AdaCard = Guid.NewGuid().ToString();
    private static readonly string AdaGrant = Guid.NewGuid().ToString();
    private static readonly WeeklyWindow Weekday = new() { Weekday = 3, StartMinute = 8 * 60, EndMinute = 18 * 60 };

    private readonly CacheBuilder _cache = new();

    public void Dispose() => _cache.Dispose();

    [Fact]
    public void Rewriting_the_file_from_the_index_gives_the_same_index_and_decisions()
    {
        var front = Door("front", schedule: [Weekday]);
        front.Door.AreaId = "lobby";
        _cache.Apply(Location("Europe/London", Weekday), front, Door("lab", cardAndPin: true, unlockMs: 1500, heldOpenLimitS: 12), Door("gone"),
            Holder(Ada), Holder("bob", HolderStatus.Suspended), Card(AdaCard, Ada, 1, 1), Pin("ada-pin", Ada, "2468"), Card("bob-card", "bob", 1, 2),
            Card("lost", Ada, 1, 3), Grant(AdaGrant, Ada, ["front", "lab", "gone"], Now.AddDays(-1), Now.AddDays(1), schedule: [Weekday]),
            Grant("g2", "bob"), Grant("g3", Ada, ["gone"], credentialId: AdaCard), Grant("orphan", "nobody-yet"));
        _cache.Apply(Revoke("lost"), RemoveDoor("gone"), RemoveGrant("g3"));
        var live = Picture(_cache.Cache.Index);
        var replayed = Picture(_cache.Reopen().Index);

        _cache.Cache.RewriteAfterChanges = 1;
        _cache.Apply(Holder("carol"));
        var beforeRewrite = Picture(_cache.Cache.Index);
        Assert.Equal(0, DeltaPacks());
        var rewritten = _cache.Cache.Index;

        Assert.Equal(live, replayed);
        Assert.Contains("holder carol Active", beforeRewrite);
        Assert.Equal(beforeRewrite, Picture(rewritten));
        Assert.Equal(3, rewritten.HolderCount);
        Assert.Equal("lobby", rewritten.Doors.Single(d => d.DoorId == "front").AreaId);
        Assert.Equal(
            [DecisionReason.Granted, DecisionReason.PinRequired, DecisionReason.Granted, DecisionReason.Granted, DecisionReason.HolderSuspended,
             DecisionReason.Revoked, DecisionReason.NoGrantForDoor, DecisionReason.UnknownCredential],
            Presentations().Select(p => DecisionEngine.Decide(rewritten, p, Now).Reason));
        Assert.Equal(Presentations().Select(p => DecisionEngine.Decide(_cache.Cache.Index, p, Now)), Presentations().Select(p => DecisionEngine.Decide(rewritten, p, Now)));
    }

    [Fact]
    public void Each_batch_is_one_pack_of_its_usable_changes_replayed_in_seq_order()
    {
        _cache.Apply(Location(), Holder(Ada), Card(AdaCard, Ada, 1, 1));
        _cache.Apply(Card(AdaCard, Ada, 1, 7), Holder(Ada, HolderStatus.Paused));
        _cache.Apply(Holder(Ada), new Change { Credential = new CredentialUpsert { CredentialId = "bad" } });

        var reopened = _cache.Reopen().Index;

        Assert.Equal(3, DeltaPacks());
        Assert.True(reopened.TryGetCard(new CardKey(1, 7), out var card));
        Assert.False(reopened.TryGetCard(new CardKey(1, 1), out _));
        Assert.Equal((AdaCard, Ada), (card.Id, card.HolderId));
        Assert.True(reopened.TryGetHolder(Ada, out var ada));
        Assert.Equal(HolderStatus.Active, ada.Status);
        Assert.Equal(0, _cache.Cache.RejectedChanges);
    }

    [Fact]
    public void A_snapshot_load_dropped_or_replaced_leaves_the_cache_and_no_file_behind()
    {
        _cache.Apply(Location(), Holder("alice"), Card("alice-card", "alice", 1, 1));
        var first = _cache.Cache.BeginSnapshot(LocationId, 50);
        first.Add([Location(), Holder("bob")]);

        var second = _cache.Cache.BeginSnapshot(LocationId, 60);
        second.Add([Location(), Holder("carol")]);
        second.Dispose();

        Assert.Throws<ObjectDisposedException>(() => first.Add([Holder("dave")]));
        Assert.False(File.Exists(_cache.CachePath + ".snapshot"));
        Assert.Equal(3, _cache.Cache.AppliedSeq);
        Assert.True(_cache.Cache.Index.TryGetCredential("alice-card", out _));

        using var third = _cache.Cache.BeginSnapshot(LocationId, 70);
        third.Add([Location(), Holder("erin"), Card("erin-card", "erin", 1, 9)]);
        Assert.Equal(ApplyOutcome.Applied, third.Complete().Outcome);
        var reopened = _cache.Reopen().Index;
        Assert.Equal((70L, 1, 1), (reopened.Seq, reopened.HolderCount, reopened.CredentialCount));
        Assert.False(File.Exists(_cache.CachePath + ".snapshot"));
    }

    [Fact]
    public void Snapshot_for_another_location_is_refused_and_its_file_dropped()
    {
        _cache.Apply(Location(), Holder("alice"));
        var load = _cache.Cache.BeginSnapshot("loc-2", 50);
        load.Add([Holder("bob")]);

        Assert.Equal(ApplyOutcome.Invalid, load.Complete().Outcome);
        Assert.False(File.Exists(_cache.CachePath + ".snapshot"));
        Assert.Equal(2, _cache.Reopen().AppliedSeq);
    }

    [Fact]
    public void Many_small_builds_copy_what_they_write_and_never_change_an_older_picture()
    {
        var random = new Random(5);
        var model = new Dictionary<int, string>();
        var map = PartitionedMap<EntityId, string>.Empty;
        var kept = new List<(PartitionedMap<EntityId, string> Map, Dictionary<int, string> Model)>();
        for (var build = 0; build < 3000; build++)
        {
            var writer = map.ToWriter();
            for (var i = random.Next(1, build % 500 == 0 ? 3000 : 4); i > 0; i--)
            {
                var key = random.Next(5000);
                if (random.Next(4) == 0)
                {
                    writer.Remove(Key(key));
                    model.Remove(key);
                }
                else
                {
                    writer.Set(Key(key), $"{key}@{build}");
                    model[key] = $"{key}@{build}";
                }
            }

            map = writer.Build();
            if (build % 300 == 0)
            {
                kept.Add((map, new Dictionary<int, string>(model)));
            }
        }

        kept.Add((map, model));
        foreach (var (picture, expected) in kept)
        {
            Assert.Equal(expected.Count, picture.Count);
            Assert.Equal(expected.Values.Order(), picture.Values.Order());
            Assert.All(Enumerable.Range(0, 5000), k => Assert.Equal(expected.GetValueOrDefault(k), picture.TryGetValue(Key(k), out var v) ? v : null));
        }
    }

    [Theory]
    [InlineData("0f8fad5b-d9cb-469f-a165-70867728950e", true)]
    [InlineData("0F8FAD5B-D9CB-469F-A165-70867728950E", false)]
    [InlineData("{0f8fad5b-d9cb-469f-a165-70867728950e}", false)]
    [InlineData("00000000-0000-0000-0000-000000000000", false)]
    [InlineData("alice", false)]
    [InlineData("", false)]
    public void Ids_round_trip_exactly_and_uuids_are_kept_as_such(string text, bool asUuid)
    {
        var id = EntityId.Of(text);

        Assert.Equal(text, id.ToString());
        Assert.Equal(id, EntityId.Of(new string(text.AsSpan())));
        Assert.Equal(text.Length == 0, id.IsNone);
        Assert.Equal(asUuid, text.Length > 0 && !ReferenceEquals(id.ToString(), id.ToString()));
        Assert.NotEqual(id, EntityId.Of(text + "x"));
    }

    private static EntityId Key(int key) => key % 2 == 0 ? EntityId.Of(new Guid(key, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10).ToString()) : EntityId.Of($"k{key}");

    private static Presentation[] Presentations() =>
    [
        Presentation.ForCard("front", "r", 1, 1), Presentation.ForCard("lab", "r", 1, 1), Presentation.ForCardAndPin("lab", "r", 1, 1, "2468"),
        Presentation.ForPin("front", "r", "2468"), Presentation.ForCard("front", "r", 1, 2), Presentation.ForCard("front", "r", 1, 3),
        Presentation.ForCard("gone", "r", 1, 1), Presentation.ForCard("front", "r", 1, 4),
    ];

    /// <summary>Everything the index holds, one sorted line per fact.</summary>
    private static List<string> Picture(CacheIndex index)
    {
        var lines = new List<string>
        {
            $"seq {index.Seq} {index.LocationId} {index.Location?.Name} {index.Location?.TimeZone.Id} {Windows(index.Location?.StaffedHours)} " +
            $"{Convert.ToHexString(index.Location?.PinKey.ToArray() ?? [])} {index.HolderCount} {index.CredentialCount} {index.GrantCount}",
        };
        lines.AddRange(index.Doors.Select(d => $"door {d.DoorId} {d.Name} {d.AreaId} {d.FailMode} {d.UnlockDuration} {d.HeldOpenLimit} {Windows(d.Schedule)} {d.Lockdown} {d.CardAndPin}"));
        lines.AddRange(index.Holders.Select(h => $"holder {h.Id} {h.Status}"));
        lines.AddRange(index.Credentials.Select(c => $"credential {c.Id} {c.HolderId} {c.Kind} {c.Card} {c.Pin?.A} {c.Revoked}"));
        lines.AddRange(index.Grants.Select(g =>
            $"grant {g.Id} {g.HolderId} {g.CredentialId} {g.AllDoors} {g.ValidFromUtcTicks} {g.ValidUntilUtcTicks} {Windows(g.Schedule)} " +
            string.Join(",", index.Doors.Select(d => d.DoorId).Append("gone").Where(d => !g.AllDoors && g.Covers(index.DoorSlotOf(d))).Order())));
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static string Windows(WeeklySchedule? schedule) =>
        schedule is null ? "-" : string.Join(";", schedule.Windows().Select(w => JsonFormatter.Default.Format(w)));

    /// <summary>Batches kept as packs in the file; the cache is reopened from the file after counting.</summary>
    private int DeltaPacks()
    {
        _cache.Cache.Dispose();
        int count;
        using (var file = LiteDbFile.Open(_cache.CachePath))
        {
            count = file.Database.GetCollection("delta").Count();
        }

        _cache.Reopen();
        return count;
    }
}
