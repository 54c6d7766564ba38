using System.IO.Ports;
using Coworking.Sim.Readers;
using Coworking.Sim.Tests.Support;

namespace Coworking.Sim.Tests.Bus;

public class BusOverPtyTests
{
    [Fact]
    public async Task Slow_reply_stays_off_the_line_until_its_delay_has_passed()
    {
        using var pty = await SocatPair.StartAsync();
        var harness = new BusHarness(BusHarness.Setup(address: 1));
        using var simPort = new SerialPort(pty.SimEnd, 115200);
        simPort.Open();
        using var stop = new CancellationTokenSource();
        var loop = harness.Bus.ProcessAsync(simPort.BaseStream, stop.Token);
        using var cp = new SerialCp(pty.CpEnd);
        harness.Reader.SetFaults(ReaderFaults.None with { SlowReplyMs = 5000 });

        var reply = cp.ExchangeAsync(cp.Cp.Command(0x01, TestCp.Poll), TimeSpan.FromSeconds(10));
        for (var attempt = 0; attempt < 200 && harness.Reader.Snapshot().Commands == 0; attempt++)
        {
            await Task.Delay(10);
        }

        await Task.Delay(100);
        var arrivedEarly = reply.IsCompleted;
        for (var attempt = 0; attempt < 100 && !reply.IsCompleted; attempt++)
        {
            harness.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }

        Assert.Equal(1, harness.Reader.Snapshot().Commands);
        Assert.False(arrivedEarly);
        Assert.Equal((byte?)0x40, (await reply)?.Code);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }
}
