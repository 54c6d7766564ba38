using Coworking.Sim.Readers;
using Coworking.Sim.Tests.Support;

namespace Coworking.Sim.Tests.Bus;

public class FaultInjectionTests
{
    private readonly BusHarness bus = new(BusHarness.Setup(address: 1), BusHarness.Setup(address: 2, doorId: "door-2"));

    [Fact]
    public void No_reply_silences_only_that_reader_until_the_fault_is_cleared()
    {
        bus.Reader.SetFaults(ReaderFaults.None with { NoReply = true });

        Assert.Empty(bus.Send(bus.Cp.Command(0x01, TestCp.Poll)));
        Assert.Equal(0x82, bus.Exchange(new TestCp().Command(0x02, TestCp.Poll))!.AddressByte);

        bus.Reader.SetFaults(ReaderFaults.None);
        Assert.Equal(0x40, bus.Exchange(bus.Cp.Command(0x01, TestCp.Poll, sequence: 0))!.Code);
    }

    [Fact]
    public void Bad_crc_reply_is_rejected_by_the_cp_and_a_retry_gets_the_same_reply_intact()
    {
        bus.Reader.SetFaults(ReaderFaults.None with { BadCrc = true });
        var command = bus.Cp.Command(0x01, TestCp.Id, [0x00]);

        var broken = bus.Send(command);
        bus.Reader.SetFaults(ReaderFaults.None);
        var retry = bus.Exchange(command);

        Assert.NotEmpty(broken);
        Assert.Null(bus.Cp.Parse(broken));
        Assert.Equal(0x45, retry!.Code);
        Assert.Equal(broken[..^1], retry.Bytes[..^1]);
    }

    [Fact]
    public void Slow_reply_waits_the_configured_time_before_answering()
    {
        bus.Reader.SetFaults(ReaderFaults.None with { SlowReplyMs = 750 });

        var reply = Assert.Single(bus.Bus.Receive(bus.Cp.Command(0x01, TestCp.Poll)));

        Assert.Equal(TimeSpan.FromMilliseconds(750), reply.Delay);
        Assert.Equal(0x40, bus.Cp.Parse(reply.Bytes)!.Code);
    }

    [Fact]
    public void Garbage_precedes_the_reply_and_holds_no_start_of_message()
    {
        bus.Reader.SetFaults(ReaderFaults.None with { Garbage = true });

        var bytes = bus.Send(bus.Cp.Command(0x01, TestCp.Poll));

        var som = Array.IndexOf(bytes, (byte)0x53);
        Assert.InRange(som, 8, 32);
        Assert.Equal(0x40, bus.Cp.Parse(bytes)!.Code);
    }

    [Fact]
    public void Busy_reader_answers_busy_with_sequence_zero_and_does_not_act()
    {
        bus.Ask(0x01, TestCp.Poll);
        bus.Reader.SetFaults(ReaderFaults.None with { Busy = true });
        var command = bus.Cp.Command(0x01, TestCp.Out, TestCp.OutRecord(2, 0));

        var busy = bus.Exchange(command);
        bus.Reader.SetFaults(ReaderFaults.None);
        var retry = bus.Exchange(command);

        Assert.Equal(0x79, busy!.Code);
        Assert.Equal(0, busy.Sequence);
        Assert.Equal(0x40, retry!.Code);
        Assert.True(bus.Reader.Snapshot().StrikeOn);
    }
}
