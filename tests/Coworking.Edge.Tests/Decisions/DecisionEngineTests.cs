using Coworking.Edge.Decisions;
using Coworking.Edge.Tests.Support;
using Coworking.Proto.V1;
using static Coworking.Testing.ChangeLog;

namespace Coworking.Edge.Tests.Decisions;

public sealed class DecisionEngineTests : IDisposable
{
    // Wednesday 4 June 2025, 11:00 in London.
    private static readonly DateTimeOffset Now = new(2025, 6, 4, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LastYear = Now.AddYears(-1);
    private static readonly DateTimeOffset NextYear = Now.AddYears(1);

    private readonly CacheBuilder _cache = new();

    public DecisionEngineTests()
    {
        _cache.Apply(Location(), Door("front"), Holder("alice"), Card("alice-card", "alice", 12, 1001), Pin("alice-pin", "alice", "2468"));
    }

    public void Dispose() => _cache.Dispose();

    [Fact]
    public void Card_with_a_current_grant_for_the_door_is_granted()
    {
        _cache.Apply(Grant("g", "alice", ["front"], LastYear, NextYear));

        var decision = Decide(Presentation.ForCard("front", "r1", 12, 1001));

        Assert.Equal(DecisionReason.Granted, decision.Reason);
        Assert.Equal("alice-card", decision.CredentialId);
        Assert.Equal("alice", decision.HolderId);
    }

    [Fact]
    public void Typed_pin_of_a_holder_with_a_grant_is_granted()
    {
        _cache.Apply(Grant("g", "alice", ["front"], LastYear, NextYear));

        var decision = Decide(Presentation.ForPin("front", "r1", "2468"));

        Assert.Equal(DecisionReason.Granted, decision.Reason);
        Assert.Equal("alice-pin", decision.CredentialId);
    }

    [Fact]
    public void Card_the_edge_never_heard_of_is_unknown()
    {
        _cache.Apply(Grant("g", "alice", null, LastYear, NextYear));

        Assert.Equal(DecisionReason.UnknownCredential, Decide(Presentation.ForCard("front", "r1", 12, 9999)).Reason);
        Assert.Equal(DecisionReason.UnknownCredential, Decide(Presentation.ForCard("front", "r1", 13, 1001)).Reason);
    }

    [Fact]
    public void Wrong_pin_is_unknown_and_flagged_for_the_lockout()
    {
        _cache.Apply(Grant("g", "alice", null, LastYear, NextYear));

        var decision = Decide(Presentation.ForPin("front", "r1", "1357"));

        Assert.Equal(DecisionReason.UnknownCredential, decision.Reason);
        Assert.True(decision.WrongPin);
    }

    [Fact]
    public void Revoked_card_is_denied_as_revoked_even_with_a_grant()
    {
        _cache.Apply(Grant("g", "alice", null, LastYear, NextYear), Revoke("alice-card"));

        Assert.Equal(DecisionReason.Revoked, Decide(Presentation.ForCard("front", "r1", 12, 1001)).Reason);
    }

    [Fact]
    public void Grant_that_starts_later_is_not_yet_valid()
    {
        _cache.Apply(Grant("g", "alice", ["front"], Now.AddMinutes(5), NextYear));

        Assert.Equal(DecisionReason.NotYetValid, Decide(Presentation.ForCard("front", "r1", 12, 1001)).Reason);
    }

    [Fact]
    public void Grant_that_ended_is_expired_and_its_end_is_exclusive()
    {
        _cache.Apply(Grant("g", "alice", ["front"], LastYear, Now));

        Assert.Equal(DecisionReason.Expired, Decide(Presentation.ForCard("front", "r1", 12, 1001)).Reason);
        Assert.Equal(DecisionReason.Granted, Decide(Presentation.ForCard("front", "r1", 12, 1001), Now.AddTicks(-1)).Reason);
    }

    [Theory]
    [InlineData(HolderStatus.Suspended)]
    [InlineData(HolderStatus.Paused)]
    [InlineData(HolderStatus.Cancelled)]
    public void Holder_who_is_not_active_is_denied_as_suspended(HolderStatus status)
    {
        _cache.Apply(Grant("g", "alice", null, LastYear, NextYear), Holder("alice", status));

        Assert.Equal(DecisionReason.HolderSuspended, Decide(Presentation.ForCard("front", "r1", 12, 1001)).Reason);
    }

    [Fact]
    public void Grant_for_other_doors_gives_no_grant_for_door()
    {
        _cache.Apply(Door("lab"), Grant("g", "alice", ["lab"], LastYear, NextYear));

        Assert.Equal(DecisionReason.NoGrantForDoor, Decide(Presentation.ForCard("front", "r1", 12, 1001)).Reason);
        Assert.Equal(DecisionReason.Granted, Decide(Presentation.ForCard("lab", "r2", 12, 1001)).Reason);
    }

    [Fact]
    public void Grant_bound_to_another_credential_of_the_holder_does_not_cover_this_one()
    {
        _cache.Apply(Grant("visit", "alice", null, LastYear, NextYear, credentialId: "alice-pin"));

        Assert.Equal(DecisionReason.NoGrantForDoor, Decide(Presentation.ForCard("front", "r1", 12, 1001)).Reason);
        Assert.Equal(DecisionReason.Granted, Decide(Presentation.ForPin("front", "r1", "2468")).Reason);
    }

    [Fact]
    public void Door_the_hub_never_described_admits_nobody_even_with_an_all_doors_grant()
    {
        _cache.Apply(Grant("g", "alice", null, LastYear, NextYear));

        Assert.Equal(DecisionReason.NoGrantForDoor, Decide(Presentation.ForCard("side", "r9", 12, 1001)).Reason);
    }

    [Fact]
    public void Grant_outside_its_weekly_window_is_outside_schedule()
    {
        // Weekdays 08:00-10:30 local; it is 11:00 in London.
        _cache.Apply(Grant("g", "alice", null, LastYear, NextYear, null, Window(DayOfWeek.Wednesday, 8, 0, 10, 30)));

        Assert.Equal(DecisionReason.OutsideSchedule, Decide(Presentation.ForCard("front", "r1", 12, 1001)).Reason);
        Assert.Equal(DecisionReason.Granted, Decide(Presentation.ForCard("front", "r1", 12, 1001), Now.AddHours(-1)).Reason);
    }

    [Fact]
    public void Door_outside_its_schedule_is_outside_schedule()
    {
        _cache.Apply(Door("front", schedule: Window(DayOfWeek.Wednesday, 12, 0, 18, 0)), Grant("g", "alice", null, LastYear, NextYear));

        Assert.Equal(DecisionReason.OutsideSchedule, Decide(Presentation.ForCard("front", "r1", 12, 1001)).Reason);
    }

    [Fact]
    public void Door_in_lockdown_denies_a_valid_card()
    {
        _cache.Apply(Door("front", lockdown: true), Grant("g", "alice", null, LastYear, NextYear));

        Assert.Equal(DecisionReason.Lockdown, Decide(Presentation.ForCard("front", "r1", 12, 1001)).Reason);
    }

    [Fact]
    public void Card_and_pin_door_asks_for_the_pin_then_grants_with_it()
    {
        _cache.Apply(Door("front", cardAndPin: true), Grant("g", "alice", null, LastYear, NextYear));

        Assert.Equal(DecisionReason.PinRequired, Decide(Presentation.ForCard("front", "r1", 12, 1001)).Reason);
        Assert.Equal(DecisionReason.Granted, Decide(Presentation.ForCardAndPin("front", "r1", 12, 1001, "2468")).Reason);
        Assert.Equal(DecisionReason.CredentialNotAccepted, Decide(Presentation.ForPin("front", "r1", "2468")).Reason);
    }

    [Theory]
    [InlineData(CredentialPolicy.Card, "granted", "credential_not_accepted")]
    [InlineData(CredentialPolicy.CardOrPin, "granted", "granted")]
    [InlineData(CredentialPolicy.CardAndPin, "pin_required", "credential_not_accepted")]
    [InlineData(CredentialPolicy.Pin, "credential_not_accepted", "granted")]
    public void Door_credential_policy_decides_which_presentations_it_takes(CredentialPolicy policy, string card, string pin)
    {
        _cache.Apply(ControlledDoor("front", policy), Grant("g", "alice", null, LastYear, NextYear));

        Assert.Equal(card, Decide(Presentation.ForCard("front", "r1", 12, 1001)).Reason.ToWireName());
        Assert.Equal(pin, Decide(Presentation.ForPin("front", "r1", "2468")).Reason.ToWireName());
    }

    [Fact]
    public void Bare_pin_at_a_card_door_is_refused_unlooked_so_a_wrong_one_does_not_count_towards_a_lockout()
    {
        _cache.Apply(ControlledDoor("front", CredentialPolicy.Card), Grant("g", "alice", null, LastYear, NextYear));

        var decision = Decide(Presentation.ForPin("front", "r1", "9999"));

        Assert.Equal(DecisionReason.CredentialNotAccepted, decision.Reason);
        Assert.False(decision.WrongPin);
        Assert.Null(decision.CredentialId);
    }

    [Fact]
    public void Lockdown_of_the_door_area_refuses_a_granted_card_but_admits_an_exempt_holder_with_a_grant()
    {
        _cache.Apply(ControlledDoor("front", CredentialPolicy.CardOrPin, areaId: "lobby"), Holder("sam"), Card("sam-card", "sam", 12, 2002),
            Grant("g", "alice", null, LastYear, NextYear), Grant("s", "sam", null, LastYear, NextYear),
            DoorControl([LockdownOf("l1", areas: ["lobby"])], exempt: ["sam"]));

        Assert.Equal(DecisionReason.Lockdown, Decide(Presentation.ForCard("front", "r1", 12, 1001)).Reason);
        Assert.Equal(DecisionReason.Granted, Decide(Presentation.ForCard("front", "r1", 12, 2002)).Reason);
    }

    [Fact]
    public void Lifting_the_lockdown_restores_the_door_and_a_lockdown_elsewhere_leaves_it_alone()
    {
        _cache.Apply(ControlledDoor("front", CredentialPolicy.CardOrPin, areaId: "lobby"), Grant("g", "alice", null, LastYear, NextYear),
            DoorControl([LockdownOf("l1", allDoors: true)]));
        var during = Decide(Presentation.ForCard("front", "r1", 12, 1001)).Reason;

        _cache.Apply(DoorControl([LockdownOf("l2", doors: ["lab"]), LockdownOf("l3", areas: ["roof"])]));

        Assert.Equal(DecisionReason.Lockdown, during);
        Assert.Equal(DecisionReason.Granted, Decide(Presentation.ForCard("front", "r1", 12, 1001)).Reason);
    }

    [Fact]
    public void Door_control_survives_reopening_the_cache()
    {
        _cache.Apply(ControlledDoor("front", CredentialPolicy.Pin, areaId: "lobby", firstPersonIn: true, Window(DayOfWeek.Monday, 9, 0, 17, 0)),
            DoorControl([LockdownOf("l1", areas: ["lobby"])], exempt: ["alice"], staff: ["alice"]));

        var index = _cache.Reopen().Index;

        Assert.True(index.TryGetDoor("front", out var door));
        Assert.Equal((CredentialPolicy.Pin, true, 1), (door.Credentials, door.FirstPersonIn, door.UnlockedHours!.Windows().Count()));
        Assert.Equal("l1", Assert.Single(index.DoorControl.Lockdowns).LockdownId);
        Assert.Single(index.DoorControl.Staff);
    }

    [Fact]
    public void Card_with_someone_elses_pin_is_a_wrong_pin()
    {
        _cache.Apply(Door("front", cardAndPin: true), Holder("bob"), Pin("bob-pin", "bob", "1111"), Grant("g", "alice", null, LastYear, NextYear));

        var decision = Decide(Presentation.ForCardAndPin("front", "r1", 12, 1001, "1111"));

        Assert.Equal(DecisionReason.UnknownCredential, decision.Reason);
        Assert.True(decision.WrongPin);
        Assert.Equal("alice-card", decision.CredentialId);
    }

    [Fact]
    public void One_good_grant_among_ended_and_future_ones_grants()
    {
        _cache.Apply(
            Grant("old", "alice", ["front"], LastYear, Now.AddDays(-1)),
            Grant("future", "alice", ["front"], Now.AddDays(1), NextYear),
            Grant("now", "alice", ["front"], Now.AddHours(-1), Now.AddHours(1)));

        Assert.Equal(DecisionReason.Granted, Decide(Presentation.ForCard("front", "r1", 12, 1001)).Reason);
    }

    [Fact]
    public void Removed_grant_no_longer_admits()
    {
        _cache.Apply(Grant("g", "alice", null, LastYear, NextYear));
        _cache.Apply(RemoveGrant("g"));

        Assert.Equal(DecisionReason.NoGrantForDoor, Decide(Presentation.ForCard("front", "r1", 12, 1001)).Reason);
    }

    [Fact]
    public void Reason_wire_names_are_the_designs()
    {
        Assert.Equal(
            ["granted", "unknown_credential", "revoked", "not_yet_valid", "expired", "holder_suspended", "no_grant_for_door",
             "outside_schedule", "locked_out", "lockdown", "pin_required", "credential_not_accepted"],
            Enum.GetValues<DecisionReason>().Select(r => r.ToWireName()));
        Assert.Equal("\"no_grant_for_door\"", System.Text.Json.JsonSerializer.Serialize(DecisionReason.NoGrantForDoor));
    }

    [Fact]
    public void Presentation_never_shows_card_number_or_pin()
    {
        var text = Presentation.ForCardAndPin("front", "r1", 12, 123456789, "97531").ToString();

        Assert.DoesNotContain("123456789", text);
        Assert.DoesNotContain("97531", text);
        Assert.Contains("89", text);
    }

    private Decision Decide(Presentation presentation, DateTimeOffset? at = null) =>
        new DecisionEngine(_cache.Cache).Decide(presentation, at ?? Now);
}
