using Coworking.Edge.Osdp.Cards;
using Coworking.Edge.Osdp.Commands;
using Coworking.Edge.Osdp.ControlPanel;
using Coworking.Edge.Osdp.Framing;
using Coworking.Edge.Osdp.Replies;
using Coworking.Edge.Tests.Osdp.Support;

namespace Coworking.Edge.Tests.Osdp;

public sealed class BusTests
{
    [Fact]
    public async Task Reader_comes_online_after_id_and_capabilities_and_shows_its_identity()
    {
        var pd = new TestPd(1);
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1)), pd);

        var online = await setup.Harness.OnlineAsync(1);

        Assert.Equal("door-1", online.DoorId);
        var received = pd.Received;
        Assert.IsType<IdCommand>(received[0].Command);
        Assert.Equal(0, received[0].Sequence);
        Assert.IsType<CapabilitiesCommand>(received[1].Command);
        var status = setup.Harness.Bus.GetStatus().Readers.Single();
        Assert.True(status.Online);
        Assert.Equal("0A-0B-0C", status.Identity!.Vendor);
        Assert.Equal(0x12345678u, status.Identity.SerialNumber);
        Assert.Equal("1.2.3", status.Identity.Firmware);
        Assert.NotNull(status.LastReplyAt);
    }

    [Fact]
    public async Task Sequence_numbers_start_at_zero_then_cycle_one_two_three()
    {
        var pd = new TestPd(1);
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1)), pd);
        await setup.Harness.OnlineAsync(1);

        Assert.True(await BusHarness.EventuallyAsync(() => pd.ReceivedCount >= 9));
        var sequences = pd.Received.Take(9).Select(c => c.Sequence).ToArray();
        Assert.Equal(new byte[] { 0, 1, 2, 3, 1, 2, 3, 1, 2 }, sequences);
    }

    [Fact]
    public async Task Card_in_a_poll_reply_becomes_a_card_presented_event()
    {
        var pd = new TestPd(1);
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1)), pd);
        await setup.Harness.OnlineAsync(1);

        pd.Present(new RawCardReply(0, 1, 26, CardDecoder.EncodeH10301(12, 3456)));
        var presented = await setup.Harness.NextAsync<CardPresented>();

        Assert.Equal(1, presented.Address);
        Assert.Equal("door-1", presented.DoorId);
        Assert.Equal(CardFormat.H10301, presented.Card.Format);
        Assert.Equal((12UL << 16) | 3456, presented.Card.Number);
    }

    [Fact]
    public async Task Card_with_bad_parity_is_counted_and_not_presented()
    {
        var pd = new TestPd(1);
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1)), pd);
        await setup.Harness.OnlineAsync(1);
        var bits = CardDecoder.EncodeH10301(12, 3456);
        bits[1] ^= 0x04;

        pd.Present(new RawCardReply(0, 1, 26, bits));
        pd.Present(new RawCardReply(0, 1, 26, CardDecoder.EncodeH10301(1, 2)));
        var presented = await setup.Harness.NextAsync<CardPresented>();

        Assert.Equal((1UL << 16) | 2, presented.Card.Number);
        var status = setup.Harness.Bus.GetStatus();
        Assert.Equal(1, status.Counters.RejectedCardReads);
        Assert.Equal(1, status.Readers.Single().Counters.RejectedCardReads);
    }

    [Fact]
    public async Task Keypad_digits_until_enter_become_one_entry()
    {
        var pd = new TestPd(1);
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1)), pd);
        await setup.Harness.OnlineAsync(1);

        pd.Present(new KeypadReply(0, "12"u8.ToArray()));
        pd.Present(new KeypadReply(0, new byte[] { (byte)'3', (byte)'4', KeypadReply.EnterKey }));
        var entered = await setup.Harness.NextAsync<KeypadEntered>();

        Assert.Equal("1234", entered.Digits);
        Assert.DoesNotContain("1234", entered.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Led_buzzer_and_output_commands_reach_the_reader_and_are_acknowledged()
    {
        var pd = new TestPd(1);
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1)), pd);
        await setup.Harness.OnlineAsync(1);
        var bus = setup.Harness.Bus;

        Assert.Equal(OsdpCommandResult.Acknowledged, await bus.SetLedAsync(1, LedColor.Green, TimeSpan.FromSeconds(2), CancellationToken.None));
        Assert.Equal(OsdpCommandResult.Acknowledged, await bus.BuzzAsync(1, TimeSpan.FromMilliseconds(200), 1, CancellationToken.None));
        Assert.Equal(OsdpCommandResult.Acknowledged, await bus.PulseOutputAsync(1, 0, TimeSpan.FromMilliseconds(3000), CancellationToken.None));
        Assert.Equal(OsdpCommandResult.Acknowledged, await bus.SetOutputAsync(1, 0, false, CancellationToken.None));

        var commands = pd.Received.Select(c => c.Command).ToList();
        var led = Assert.Single(commands.OfType<LedCommand>()).Leds.Single();
        Assert.Equal(LedTemporaryMode.Set, led.Temporary.Mode);
        Assert.Equal(LedColor.Green, led.Temporary.OnColor);
        Assert.Equal(20, led.Temporary.Timer100Ms);
        Assert.Equal(new BuzzerCommand(0, BuzzerTone.Default, 2, 2, 1), Assert.Single(commands.OfType<BuzzerCommand>()));
        var outputs = commands.OfType<OutputCommand>().Select(o => o.Outputs.Single()).ToList();
        Assert.Equal(new OutputControl(0, OutputControlCode.TemporaryOnThenOff, 30), outputs[0]);
        Assert.Equal(new OutputControl(0, OutputControlCode.PermanentOffAbortTimed, 0), outputs[1]);
    }

    [Fact]
    public async Task Queued_command_goes_out_before_the_next_poll()
    {
        var pd = new TestPd(1);
        var options = BusHarness.FastOptions(BusHarness.Reader(1)) with { PollInterval = TimeSpan.FromMilliseconds(200) };
        await using var setup = await StartAsync(options, pd);
        await setup.Harness.OnlineAsync(1);
        Assert.True(await BusHarness.EventuallyAsync(() => pd.Received.Any(c => c.Command is PollCommand)));

        var before = pd.ReceivedCount;
        await setup.Harness.Bus.PulseOutputAsync(1, 0, TimeSpan.FromSeconds(1), CancellationToken.None);

        var after = pd.Received.Skip(before).ToList();
        Assert.IsType<OutputCommand>(after[0].Command);
    }

    [Fact]
    public async Task Reader_that_stops_answering_goes_offline_and_comes_back_when_it_answers_again()
    {
        var pd = new TestPd(1);
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1)), pd);
        await setup.Harness.OnlineAsync(1);

        pd.Silent = true;
        await setup.Harness.OfflineAsync(1);
        var offline = setup.Harness.Bus.GetStatus().Readers.Single();
        Assert.False(offline.Online);
        Assert.Equal(OsdpCommandResult.Offline, await setup.Harness.Bus.SetLedAsync(1, LedColor.Red, null, CancellationToken.None));

        pd.Silent = false;
        await setup.Harness.OnlineAsync(1);
        var status = setup.Harness.Bus.GetStatus();
        Assert.True(status.Readers.Single().Online);
        Assert.Equal(1, status.Readers.Single().Counters.OfflineTransitions);
        Assert.True(status.Counters.Timeouts >= 2);
        Assert.True(status.Counters.Retries >= 1);
        Assert.Contains(pd.Received.SkipWhile(c => c.Sequence != 0).Skip(1), c => c.Command is IdCommand && c.Sequence == 0);
    }

    [Fact]
    public async Task Lost_reply_is_retried_with_the_same_sequence_number_and_the_command_still_completes()
    {
        var pd = new TestPd(1);
        var options = BusHarness.FastOptions(BusHarness.Reader(1)) with { OfflineAfterMisses = 3 };
        await using var setup = await StartAsync(options, pd);
        await setup.Harness.SettledAsync(pd);

        pd.DropReplies = 1;
        var result = await setup.Harness.Bus.SetLedAsync(1, LedColor.Amber, null, CancellationToken.None);

        Assert.Equal(OsdpCommandResult.Acknowledged, result);
        Assert.Single(pd.Received, c => c.Command is LedCommand);
        Assert.True(setup.Harness.Bus.GetStatus().Counters.Retries >= 1);
        Assert.True(setup.Harness.Bus.GetStatus().Readers.Single().Online);
    }

    [Fact]
    public async Task Reply_with_bad_crc_is_counted_and_the_command_is_retried()
    {
        var pd = new TestPd(1);
        var options = BusHarness.FastOptions(BusHarness.Reader(1)) with { OfflineAfterMisses = 3 };
        await using var setup = await StartAsync(options, pd);
        await setup.Harness.SettledAsync(pd);

        pd.CorruptCrcReplies = 1;
        var result = await setup.Harness.Bus.SetOutputAsync(1, 0, true, CancellationToken.None);

        Assert.Equal(OsdpCommandResult.Acknowledged, result);
        Assert.Equal(1, setup.Harness.Bus.GetStatus().Counters.RejectsByReason[OsdpRejectReason.BadCrc]);
    }

    [Fact]
    public async Task Noise_on_the_line_is_counted_as_garbage_and_replies_still_get_through()
    {
        var pd = new TestPd(1);
        var (cp, pdEnd) = InMemoryLink.CreatePair();
        await using var responder = new TestPdResponder(pdEnd, pd) { NoiseBeforeReplies = [0x00, 0x13, 0x37] };
        await using var harness = new BusHarness(BusHarness.FastOptions(BusHarness.Reader(1)), cp);

        await harness.OnlineAsync(1);
        pd.Present(new RawCardReply(0, 0, 32, new byte[] { 1, 2, 3, 4 }));
        var presented = await harness.NextAsync<CardPresented>();

        Assert.Equal(0x01020304UL, presented.Card.Number);
        Assert.True(harness.Bus.GetStatus().Counters.RejectsByReason[OsdpRejectReason.Garbage] > 0);
    }

    [Fact]
    public async Task Busy_reply_makes_the_bus_repeat_the_command()
    {
        var pd = new TestPd(1);
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1)), pd);
        await setup.Harness.SettledAsync(pd);

        pd.BusyReplies = 2;
        var result = await setup.Harness.Bus.BuzzAsync(1, TimeSpan.FromMilliseconds(100), 2, CancellationToken.None);

        Assert.Equal(OsdpCommandResult.Acknowledged, result);
        Assert.Equal(2, setup.Harness.Bus.GetStatus().Counters.Busy);
        Assert.True(setup.Harness.Bus.GetStatus().Readers.Single().Online);
    }

    [Fact]
    public async Task Nak_is_counted_by_its_code_named_in_last_error_and_the_command_reports_rejected()
    {
        var pd = new TestPd(1);
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1)), pd);
        await setup.Harness.SettledAsync(pd);

        pd.NakError = NakError.UnknownCommand;
        pd.NakCommands = 1;
        var result = await setup.Harness.Bus.SetLedAsync(1, LedColor.Blue, null, CancellationToken.None);

        Assert.Equal(OsdpCommandResult.Rejected, result);
        var status = setup.Harness.Bus.GetStatus();
        Assert.Equal(1, status.Counters.Naks);
        Assert.Equal(1, status.Readers.Single().Counters.Naks);
        Assert.True(status.Readers.Single().Online);
        Assert.Equal(1, status.Readers.Single().Counters.NaksByCode["NAK 3 (UnknownCommand)"]);
        Assert.Equal("nak", status.Readers.Single().LastErrorKind);
        Assert.Equal("the reader answered osdp_LED with NAK 3 (UnknownCommand)", status.Readers.Single().LastError);
    }

    [Fact]
    public async Task Input_changes_are_reported_with_the_initial_states_first()
    {
        var pd = new TestPd(1);
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1)), pd);
        await setup.Harness.OnlineAsync(1);

        var first = await setup.Harness.NextAsync<InputChanged>(e => e.Input == 0);
        var second = await setup.Harness.NextAsync<InputChanged>(e => e.Input == 1);
        Assert.False(first.Active);
        Assert.False(second.Active);
        pd.SetInputs(true, false);
        var changed = await setup.Harness.NextAsync<InputChanged>();

        Assert.Equal(0, changed.Input);
        Assert.True(changed.Active);
        Assert.True(await BusHarness.EventuallyAsync(() => setup.Harness.Bus.GetStatus().Readers.Single().Inputs is [true, false]));
    }

    [Fact]
    public async Task Two_readers_on_one_bus_are_both_served_and_events_name_the_right_door()
    {
        var first = new TestPd(1);
        var second = new TestPd(2);
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1), BusHarness.Reader(2)), first, second);
        await setup.Harness.OnlineAsync(1);
        await setup.Harness.OnlineAsync(2);

        second.Present(new RawCardReply(0, 0, 16, new byte[] { 0x12, 0x34 }));
        var presented = await setup.Harness.NextAsync<CardPresented>();

        Assert.Equal(2, presented.Address);
        Assert.Equal("door-2", presented.DoorId);
        Assert.Equal(0x1234UL, presented.Card.Number);
        Assert.All(setup.Harness.Bus.GetStatus().Readers, r => Assert.True(r.Online));
    }

    [Fact]
    public async Task Reader_missing_from_the_bus_stays_offline_without_holding_up_the_others()
    {
        var present = new TestPd(1);
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1), BusHarness.Reader(9)), present);
        await setup.Harness.OnlineAsync(1);

        present.Present(new RawCardReply(0, 0, 8, new byte[] { 0x42 }));
        var presented = await setup.Harness.NextAsync<CardPresented>();

        Assert.Equal(0x42UL, presented.Card.Number);
        var missing = setup.Harness.Bus.GetStatus().Readers.Single(r => r.Address == 9);
        Assert.False(missing.Online);
        Assert.Null(missing.LastReplyAt);
    }

    [Fact]
    public async Task Reader_that_only_speaks_checksum_is_served_in_checksum_mode()
    {
        var pd = new TestPd(1) { SupportsCrc = false };
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1)), pd);

        await setup.Harness.OnlineAsync(1);
        pd.Present(new RawCardReply(0, 0, 8, new byte[] { 0x07 }));

        Assert.Equal(7UL, (await setup.Harness.NextAsync<CardPresented>()).Card.Number);
    }

    [Fact]
    public async Task Comset_moves_the_reader_to_its_new_address()
    {
        var pd = new TestPd(1);
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1)), pd);
        await setup.Harness.OnlineAsync(1);

        var result = await setup.Harness.Bus.SetCommunicationAsync(1, 5, 115200, CancellationToken.None);
        pd.Present(new RawCardReply(0, 0, 8, new byte[] { 0x05 }));
        var presented = await setup.Harness.NextAsync<CardPresented>();

        Assert.Equal(OsdpCommandResult.Acknowledged, result);
        Assert.Equal(5, presented.Address);
        Assert.Equal("door-1", presented.DoorId);
    }

    [Fact]
    public async Task Command_for_an_unknown_address_is_refused_at_once()
    {
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1)), new TestPd(1));

        await Assert.ThrowsAsync<ArgumentException>(() => setup.Harness.Bus.SetLedAsync(3, LedColor.Red, null, CancellationToken.None));
    }

    [Fact]
    public void Options_that_cannot_work_are_refused_with_every_problem_named()
    {
        var options = BusHarness.FastOptions(BusHarness.Reader(1), BusHarness.Reader(1), BusHarness.Reader(127, secure: true, scbk: "xyz")) with { BaudRate = 1200 };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("BaudRate 1200", error.Message, StringComparison.Ordinal);
        Assert.Contains("address 1 is configured more than once", error.Message, StringComparison.Ordinal);
        Assert.Contains("127", error.Message, StringComparison.Ordinal);
        Assert.Contains("Scbk must be 32 hex digits", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("xyz", BusHarness.Reader(127, secure: true, scbk: "xyz").ToString(), StringComparison.Ordinal);
    }

    private static async Task<Setup> StartAsync(OsdpBusOptions options, params TestPd[] pds)
    {
        var (cp, pdEnd) = InMemoryLink.CreatePair();
        var responder = new TestPdResponder(pdEnd, pds);
        await Task.Yield();
        return new Setup(responder, new BusHarness(options, cp));
    }

    private sealed record Setup(TestPdResponder Responder, BusHarness Harness) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Harness.DisposeAsync();
            await Responder.DisposeAsync();
        }
    }
}
