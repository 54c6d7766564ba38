using Coworking.Edge.Configuration;
using Coworking.Edge.Decisions;
using Coworking.Edge.Doors;
using Coworking.Edge.Outbox;
using Coworking.Edge.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using static Coworking.Testing.ChangeLog;

namespace Coworking.Edge.Tests.Doors;

/// <summary>The whole path with the real cache and the real outbox files.</summary>
public sealed class AccessServiceTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 4, 10, 0, 0, TimeSpan.Zero));
    private readonly CacheBuilder _cache = new();
    private readonly FakeDoorHardware _front = new("front");
    private readonly FakeReaderFeedback _reader = new("front-in");
    private EventOutbox _outbox = null!;
    private DoorRegistry _doors = null!;
    private AccessService _access = null!;

    public async Task InitializeAsync()
    {
        _cache.Apply(Location(), Door("front"), Door("vault", cardAndPin: true), Holder("alice"), Card("alice-card", "alice", 12, 1001),
            Pin("alice-pin", "alice", "2468"), Grant("g", "alice"));
        _outbox = EventOutbox.Open(_cache.Directory.File("outbox.db"), new OutboxOptions(), _time, Logs.For<EventOutbox>());
        await _outbox.StartAsync(CancellationToken.None);
        _doors = new DoorRegistry(_cache.Cache, _outbox, _time, Logs.Factory);
        _doors.AddDoor(_front);
        _doors.AddReader(_reader);
        _access = new AccessService(new DecisionEngine(_cache.Cache), new PinAttemptLimiter(new PinLimitOptions(), _time), _outbox, _doors, _time,
            Logs.For<AccessService>());
    }

    public async Task DisposeAsync()
    {
        await _outbox.StopAsync(CancellationToken.None);
        _outbox.Dispose();
        _doors.Dispose();
        _cache.Dispose();
    }

    [Fact]
    public async Task Granted_card_is_on_record_before_the_strike_moves_then_green_and_released()
    {
        long depthWhenStrikeMoved = -1;
        _front.OnRelease = () =>
        {
            depthWhenStrikeMoved = _outbox.Depth;
            return Task.CompletedTask;
        };

        var decision = await _access.HandleAsync(Presentation.ForCard("front", "front-in", 12, 1001), Timeout);

        Assert.True(decision.Granted);
        Assert.Equal(1, depthWhenStrikeMoved);
        Assert.Equal(["release 5000ms"], _front.Commands);
        Assert.Equal([ReaderSignal.Granted], _reader.Shown);
        var recorded = Assert.Single(_outbox.ReadBatch(10)).Event;
        Assert.Equal(new EdgeEvent(EdgeEventKind.AccessDecision, _time.GetUtcNow(), "front")
        {
            ReaderId = "front-in", Reason = DecisionReason.Granted, CredentialId = "alice-card", HolderId = "alice", Presented = "card fc=12 #…01",
        }, recorded);
    }

    [Fact]
    public async Task Unknown_card_is_recorded_shown_red_and_the_strike_stays_put()
    {
        var decision = await _access.HandleAsync(Presentation.ForCard("front", "front-in", 12, 4242), Timeout);

        Assert.Equal(DecisionReason.UnknownCredential, decision.Reason);
        Assert.Empty(_front.Commands);
        Assert.Equal([ReaderSignal.Denied], _reader.Shown);
        Assert.Equal(DecisionReason.UnknownCredential, Assert.Single(_outbox.ReadBatch(10)).Event.Reason);
    }

    [Fact]
    public async Task Card_at_a_card_and_pin_door_prompts_for_the_pin()
    {
        _doors.AddReader(new FakeReaderFeedback("vault-in"));

        var decision = await _access.HandleAsync(Presentation.ForCard("vault", "vault-in", 12, 1001), Timeout);

        Assert.Equal(DecisionReason.PinRequired, decision.Reason);
        Assert.True(_doors.TryGetReader("vault-in", out var reader));
        Assert.Equal([ReaderSignal.PinRequired], ((FakeReaderFeedback)reader).Shown);
    }

    [Fact]
    public async Task Decision_that_cannot_be_recorded_keeps_the_door_shut()
    {
        await _outbox.StopAsync(CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => _access.HandleAsync(Presentation.ForCard("front", "front-in", 12, 1001), Timeout));

        Assert.Empty(_front.Commands);
        Assert.Equal([ReaderSignal.Denied], _reader.Shown);
    }

    [Fact]
    public async Task Five_wrong_pins_lock_the_keypad_out_but_not_other_keypads()
    {
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(DecisionReason.UnknownCredential, (await _access.HandleAsync(Presentation.ForPin("front", "front-in", "0000"), Timeout)).Reason);
        }

        var rightPinHere = await _access.HandleAsync(Presentation.ForPin("front", "front-in", "2468"), Timeout);
        var rightPinElsewhere = await _access.HandleAsync(Presentation.ForPin("front", "front-out", "2468"), Timeout);
        var cardHere = await _access.HandleAsync(Presentation.ForCard("front", "front-in", 12, 1001), Timeout);
        _time.Advance(TimeSpan.FromSeconds(300));
        var afterLockout = await _access.HandleAsync(Presentation.ForPin("front", "front-in", "2468"), Timeout);

        Assert.Equal(DecisionReason.LockedOut, rightPinHere.Reason);
        Assert.Equal(DecisionReason.Granted, rightPinElsewhere.Reason);
        Assert.Equal(DecisionReason.Granted, cardHere.Reason);
        Assert.Equal(DecisionReason.Granted, afterLockout.Reason);
        var recorded = _outbox.ReadBatch(100);
        Assert.Equal((EdgeEventKind.PinLockout, "reader", "front-in"), (recorded[5].Event.Kind, recorded[5].Event.Detail, recorded[5].Event.ReaderId));
        Assert.Equal(_time.GetUtcNow(), recorded[5].Event.Until);
        Assert.Equal(DecisionReason.LockedOut, recorded[6].Event.Reason);
    }

    [Fact]
    public async Task Wrong_pins_spread_over_every_keypad_lock_out_bare_pins_edge_wide_but_not_card_and_pin()
    {
        var limiter = new PinAttemptLimiter(new PinLimitOptions { EdgeMaxFailures = 6 }, _time);
        var access = new AccessService(new DecisionEngine(_cache.Cache), limiter, _outbox, _doors, _time, Logs.For<AccessService>());
        for (var i = 0; i < 6; i++)
        {
            await access.HandleAsync(Presentation.ForPin("front", $"keypad-{i}", "0000"), Timeout);
        }

        var bareRightPin = await access.HandleAsync(Presentation.ForPin("front", "keypad-new", "2468"), Timeout);
        var cardAndPin = await access.HandleAsync(Presentation.ForCardAndPin("vault", "keypad-new", 12, 1001, "2468"), Timeout);

        Assert.Equal(DecisionReason.LockedOut, bareRightPin.Reason);
        Assert.Equal(DecisionReason.Granted, cardAndPin.Reason);
        Assert.Contains(limiter.Lockouts, l => l.Scope == PinLockoutScope.Edge);
    }

    [Fact]
    public async Task Wrong_pins_spread_over_more_than_the_window_do_not_lock_out()
    {
        for (var i = 0; i < 8; i++)
        {
            await _access.HandleAsync(Presentation.ForPin("front", "front-in", "0000"), Timeout);
            _time.Advance(TimeSpan.FromSeconds(15));
        }

        Assert.Equal(DecisionReason.Granted, (await _access.HandleAsync(Presentation.ForPin("front", "front-in", "2468"), Timeout)).Reason);
    }

    [Fact]
    public async Task Card_with_five_wrong_pins_is_locked_out_at_every_keypad_while_other_cards_are_not()
    {
        _cache.Apply(Holder("bob"), Card("bob-card", "bob", 12, 2002), Pin("bob-pin", "bob", "1357"), Grant("gb", "bob"));
        for (var i = 0; i < 5; i++)
        {
            await _access.HandleAsync(Presentation.ForCardAndPin("vault", $"keypad-{i}", 12, 1001, "9999"), Timeout);
        }

        var aliceRightPin = await _access.HandleAsync(Presentation.ForCardAndPin("vault", "keypad-9", 12, 1001, "2468"), Timeout);
        var bob = await _access.HandleAsync(Presentation.ForCardAndPin("vault", "keypad-9", 12, 2002, "1357"), Timeout);

        Assert.Equal(DecisionReason.LockedOut, aliceRightPin.Reason);
        Assert.Equal("alice-card", aliceRightPin.CredentialId);
        Assert.Equal(DecisionReason.Granted, bob.Reason);
    }

    [Fact]
    public async Task Right_pin_forgets_the_cards_earlier_typos()
    {
        for (var i = 0; i < 4; i++)
        {
            await _access.HandleAsync(Presentation.ForCardAndPin("vault", $"keypad-{i}", 12, 1001, "9999"), Timeout);
        }

        await _access.HandleAsync(Presentation.ForCardAndPin("vault", "keypad-8", 12, 1001, "2468"), Timeout);
        await _access.HandleAsync(Presentation.ForCardAndPin("vault", "keypad-9", 12, 1001, "9999"), Timeout);

        Assert.Equal(DecisionReason.Granted, (await _access.HandleAsync(Presentation.ForCardAndPin("vault", "keypad-7", 12, 1001, "2468"), Timeout)).Reason);
    }

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
}
