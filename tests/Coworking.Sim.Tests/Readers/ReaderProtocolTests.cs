using Coworking.Sim.Cards;
using Coworking.Sim.Readers;
using Coworking.Sim.Tests.Support;

namespace Coworking.Sim.Tests.Readers;

public class ReaderProtocolTests
{
    private readonly BusHarness bus = new(BusHarness.Setup(address: 1));

    [Fact]
    public void Poll_is_acknowledged_with_the_reply_bit_and_the_commands_sequence_number()
    {
        var reply = bus.Ask(0x01, TestCp.Poll);

        Assert.Equal(0x40, reply.Code);
        Assert.Equal(0x81, reply.AddressByte);
        Assert.Equal(0, reply.Sequence);
        Assert.Equal(1, bus.Ask(0x01, TestCp.Poll).Sequence);
    }

    [Fact]
    public void Frames_for_other_addresses_and_replies_of_other_devices_get_no_answer()
    {
        Assert.Empty(bus.Send(bus.Cp.Command(0x02, TestCp.Poll)));
        Assert.Empty(bus.Send([0x53, 0x81, 0x08, 0x00, 0x04, 0x40, 0x00, 0x00]));
    }

    [Fact]
    public void Broadcast_address_is_answered_with_the_readers_own_address()
    {
        var reply = bus.Ask(0x7F, TestCp.Id, [0x00]);

        Assert.Equal(0x81, reply.AddressByte);
        Assert.Equal(0x45, reply.Code);
    }

    [Fact]
    public void Id_and_capabilities_describe_the_reader()
    {
        var id = bus.Ask(0x01, TestCp.Id, [0x00]);
        var cap = bus.Ask(0x01, TestCp.Cap, [0x00]);

        Assert.Equal(12, id.Data.Length);
        Assert.Equal([0x01, 0x00, 0x49, 0x53], id.Data[5..9]);
        var capabilities = cap.Data.Chunk(3).ToDictionary(c => c[0], c => (Compliance: c[1], Number: c[2]));
        Assert.Equal(2, capabilities[1].Number);
        Assert.Equal(1, capabilities[2].Number);
        Assert.Equal(1, capabilities[8].Compliance);
        Assert.Equal(0, capabilities[9].Compliance);
    }

    [Fact]
    public void First_command_must_use_sequence_zero()
    {
        var reply = bus.Exchange(bus.Cp.Command(0x01, TestCp.Poll, sequence: 2));

        Assert.Equal((byte)0x04, reply!.NakCode);
    }

    [Fact]
    public void Skipped_sequence_number_is_refused_with_nak_4()
    {
        bus.Ask(0x01, TestCp.Poll);

        var reply = bus.Exchange(bus.Cp.Command(0x01, TestCp.Poll, sequence: 2));

        Assert.Equal((byte)0x04, reply!.NakCode);
    }

    [Fact]
    public void Repeated_command_gets_the_identical_last_reply_and_is_not_processed_twice()
    {
        bus.Ask(0x01, TestCp.Poll);
        bus.Reader.Present([CardEncoding.H10301(12, 345)]);

        var command = bus.Cp.Command(0x01, TestCp.Poll);
        var first = bus.Send(command);
        var repeat = bus.Send(command);
        var next = bus.Ask(0x01, TestCp.Poll);

        Assert.Equal(0x50, bus.Cp.Parse(first)!.Code);
        Assert.Equal(first, repeat);
        Assert.Equal(0x40, next.Code);
        Assert.Equal(1, bus.Reader.Snapshot().Repeats);
    }

    [Fact]
    public void Same_sequence_number_with_a_different_command_is_refused_with_nak_4()
    {
        bus.Ask(0x01, TestCp.Poll);
        var sequence = bus.Ask(0x01, TestCp.Poll).Sequence;

        var reply = bus.Exchange(bus.Cp.Command(0x01, TestCp.Istat, sequence: sequence));

        Assert.Equal((byte)0x04, reply!.NakCode);
    }

    [Fact]
    public void Sequence_zero_restarts_the_conversation_at_any_time()
    {
        bus.Ask(0x01, TestCp.Poll);
        bus.Ask(0x01, TestCp.Poll);

        Assert.Equal(0x40, bus.Exchange(bus.Cp.Command(0x01, TestCp.Poll, sequence: 0))!.Code);
        Assert.Equal(0x40, bus.Exchange(bus.Cp.Command(0x01, TestCp.Poll, sequence: 1))!.Code);
    }

    [Fact]
    public void Frame_with_bad_crc_is_refused_with_nak_1_and_the_retry_is_processed()
    {
        bus.Ask(0x01, TestCp.Poll);
        var command = bus.Cp.Command(0x01, TestCp.Poll);
        var corrupted = command.ToArray();
        corrupted[^2] ^= 0xFF;

        var nak = bus.Exchange(corrupted);
        var retry = bus.Exchange(command);

        Assert.Equal((byte)0x01, nak!.NakCode);
        Assert.Equal(0x40, retry!.Code);
    }

    [Fact]
    public void Unknown_command_is_refused_with_nak_3()
    {
        Assert.Equal((byte)0x03, bus.Ask(0x01, 0x6B, [0, 0, 0, 0, 0, 0]).NakCode);
    }

    [Fact]
    public void Wrong_data_length_is_refused_with_nak_2()
    {
        Assert.Equal((byte)0x02, bus.Ask(0x01, TestCp.Poll, [0x00]).NakCode);
        Assert.Equal((byte)0x02, bus.Ask(0x01, TestCp.Led, [0x00, 0x00, 0x01]).NakCode);
    }

    [Fact]
    public void Record_the_reader_cannot_carry_out_is_refused_with_nak_9_and_changes_nothing()
    {
        var reply = bus.Ask(0x01, TestCp.Out, [.. TestCp.OutRecord(2, 0), 0x03, 0x02, 0x00, 0x00]);

        Assert.Equal((byte)0x09, reply.NakCode);
        Assert.False(bus.Reader.Snapshot().StrikeOn);
    }

    [Fact]
    public void Command_in_checksum_mode_gets_a_checksum_reply()
    {
        var reply = bus.Exchange(bus.Cp.Command(0x01, TestCp.Poll, crc: false));

        Assert.Equal(0x40, reply!.Code);
        Assert.Equal(0, reply.Bytes[4] & 0x04);
    }

    [Fact]
    public void Timed_strike_pulse_ends_after_its_timer_and_ostat_reports_it()
    {
        bus.Ask(0x01, TestCp.Out, TestCp.OutRecord(5, 30));

        Assert.Equal([0x01], bus.Ask(0x01, TestCp.Ostat).Data);
        bus.Time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal([0x00], bus.Ask(0x01, TestCp.Ostat).Data);
    }

    [Fact]
    public void Permanent_strike_stays_on_until_switched_off()
    {
        bus.Ask(0x01, TestCp.Out, TestCp.OutRecord(2, 0));
        bus.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(bus.Reader.Snapshot().StrikeOn);

        bus.Ask(0x01, TestCp.Out, TestCp.OutRecord(1, 0));
        Assert.False(bus.Reader.Snapshot().StrikeOn);
    }

    [Fact]
    public void Temporary_led_colour_returns_to_the_permanent_colour_after_its_timer()
    {
        bus.Ask(0x01, TestCp.Led, TestCp.LedRecord(tempColor: 2, tempTimer100ms: 20, permColor: 1, setPermanent: true));

        Assert.Equal("green", bus.Reader.Snapshot().Led);
        bus.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("red", bus.Reader.Snapshot().Led);
    }

    [Fact]
    public void Buzzer_sounds_for_its_count_of_beeps()
    {
        bus.Ask(0x01, TestCp.Buz, [0, 2, 5, 5, 2]);

        Assert.Equal("on", bus.Reader.Snapshot().Buzzer);
        bus.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("off", bus.Reader.Snapshot().Buzzer);
    }

    [Fact]
    public void Door_contact_change_is_reported_unsolicited_in_the_next_poll_reply()
    {
        bus.Ask(0x01, TestCp.Poll);
        bus.Reader.SetDoorContact(open: true);

        var report = bus.Ask(0x01, TestCp.Poll);

        Assert.Equal(0x49, report.Code);
        Assert.Equal([0x01, 0x00], report.Data);
        Assert.Equal([0x01, 0x00], bus.Ask(0x01, TestCp.Istat).Data);
    }

    [Fact]
    public void Rex_press_is_reported_as_pressed_then_released()
    {
        bus.Ask(0x01, TestCp.Poll);
        bus.Reader.PressRex();

        Assert.True(bus.Reader.Snapshot().RexPressed);
        Assert.Equal([0x00, 0x01], bus.Ask(0x01, TestCp.Poll).Data);
        Assert.Equal([0x00, 0x00], bus.Ask(0x01, TestCp.Poll).Data);
        Assert.False(bus.Reader.Snapshot().RexPressed);
    }

    [Fact]
    public void Card_read_is_polled_out_as_raw_wiegand_with_bit_count_little_endian()
    {
        bus.Ask(0x01, TestCp.Poll);
        bus.Reader.Present([CardEncoding.H10301(123, 45678)]);

        var raw = bus.Ask(0x01, TestCp.Poll);

        Assert.Equal(0x50, raw.Code);
        Assert.Equal([0x00, 0x01, 26, 0x00, 0xBD, 0xD9, 0x37, 0x40], raw.Data);
    }

    [Fact]
    public void Keypad_entry_is_polled_out_as_ascii_digits_then_enter()
    {
        bus.Ask(0x01, TestCp.Poll);
        Assert.True(CardEncoding.TryParsePin("2468", out var entry, out _));
        bus.Reader.Present([entry]);

        var keypad = bus.Ask(0x01, TestCp.Poll);

        Assert.Equal(0x53, keypad.Code);
        Assert.Equal([0x00, 5, (byte)'2', (byte)'4', (byte)'6', (byte)'8', 0x0D], keypad.Data);
    }

    [Fact]
    public void Comset_answers_com_from_the_old_address_then_the_reader_moves()
    {
        bus.Ask(0x01, TestCp.Poll);

        var com = bus.Ask(0x01, TestCp.Comset, [0x09, 0x80, 0x25, 0x00, 0x00]);

        Assert.Equal(0x54, com.Code);
        Assert.Equal(0x81, com.AddressByte);
        Assert.Equal([0x09, 0x80, 0x25, 0x00, 0x00], com.Data);
        Assert.Empty(bus.Send(bus.Cp.Command(0x01, TestCp.Poll)));
        Assert.Equal(0x89, bus.Exchange(bus.Cp.Command(0x09, TestCp.Poll, sequence: 0))!.AddressByte);
        Assert.Equal(9600, bus.Reader.Snapshot().BaudRate);
    }

    [Fact]
    public void Badge_verdict_counts_only_commands_after_the_card_was_polled_out()
    {
        bus.Ask(0x01, TestCp.Poll);
        var watch = bus.Reader.Present([CardEncoding.H10301(1, 2)])!;
        bus.Ask(0x01, TestCp.Led, TestCp.LedRecord(tempColor: 1, tempTimer100ms: 10));
        Assert.False(watch.FirstSignal.IsCompleted);

        bus.Ask(0x01, TestCp.Poll);
        bus.Ask(0x01, TestCp.Led, TestCp.LedRecord(tempColor: 2, tempTimer100ms: 30));
        bus.Ask(0x01, TestCp.Out, TestCp.OutRecord(5, 50));

        Assert.True(watch.Conclusive.IsCompleted);
        var outcome = bus.Reader.Conclude(watch);
        Assert.Equal(BadgeOutcome.Granted, outcome.Result);
        Assert.Equal("green", outcome.Led);
        Assert.Equal(5000, outcome.StrikeMs);
    }

    [Fact]
    public void Presentation_nobody_polled_out_is_withdrawn_when_it_ends()
    {
        var watch = bus.Reader.Present([CardEncoding.H10301(1, 2)])!;

        var outcome = bus.Reader.Conclude(watch);

        Assert.Equal(BadgeOutcome.NoResponse, outcome.Result);
        Assert.Equal(0, bus.Reader.Snapshot().PendingEvents);
        Assert.Equal(0x40, bus.Ask(0x01, TestCp.Poll).Code);
    }
}
