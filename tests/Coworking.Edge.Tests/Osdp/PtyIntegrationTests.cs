using Coworking.Edge.Osdp.Cards;
using Coworking.Edge.Osdp.Commands;
using Coworking.Edge.Osdp.ControlPanel;
using Coworking.Edge.Osdp.Framing;
using Coworking.Edge.Osdp.Replies;
using Coworking.Edge.Osdp.Transport;
using Coworking.Edge.Tests.Osdp.Support;

namespace Coworking.Edge.Tests.Osdp;

/// <summary>
/// The bus on a real serial device: a socat pseudo-terminal pair, SerialPort on both ends. The reply deadline is the
/// spec's 200 ms rather than the in-memory tests' 100 ms: the responder here is another thread reading a real port.
/// </summary>
public sealed class PtyIntegrationTests
{
    private static OsdpBusOptions PtyOptions(string portName, OsdpReaderOptions reader) =>
        BusHarness.FastOptions(reader) with { PortName = portName, ReplyTimeout = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public async Task Over_a_real_pty_a_card_becomes_an_event_and_a_silent_reader_goes_offline_and_comes_back()
    {
        await using var pty = await SocatPtyPair.StartAsync();
        var pd = new TestPd(1);
        await using var responder = new TestPdResponder(new SerialPortTransport(pty.PeripheralPath, 115200), pd);
        var options = PtyOptions(pty.ControlPanelPath, BusHarness.Reader(1));
        await using var harness = new BusHarness(options, new SerialPortTransport(options.PortName, options.BaudRate));

        await harness.OnlineAsync(1);
        pd.Present(new RawCardReply(0, 1, 26, CardDecoder.EncodeH10301(42, 31337)));
        var presented = await harness.NextAsync<CardPresented>();
        var strike = await harness.Bus.PulseOutputAsync(1, 0, TimeSpan.FromSeconds(3), CancellationToken.None);

        Assert.Equal(42, presented.Card.FacilityCode);
        Assert.Equal(31337, presented.Card.CardNumber);
        Assert.Equal(OsdpCommandResult.Acknowledged, strike);
        Assert.Contains(pd.Received, c => c.Command is OutputCommand);

        pd.Silent = true;
        await harness.OfflineAsync(1);
        Assert.False(harness.Bus.GetStatus().Readers.Single().Online);
        pd.Silent = false;
        await harness.OnlineAsync(1);

        var status = harness.Bus.GetStatus();
        Assert.True(status.PortOpen);
        Assert.True(status.Readers.Single().Online);
        Assert.Equal(0, status.Counters.RejectsByReason[OsdpRejectReason.BadCrc] + status.Counters.RejectsByReason[OsdpRejectReason.Garbage]);
    }

    [Fact]
    public async Task Over_a_real_pty_an_install_mode_reader_gets_its_key_and_serves_encrypted_traffic()
    {
        using var keys = new TemporaryDirectory();
        await using var pty = await SocatPtyPair.StartAsync();
        var pd = new TestPd(3) { InstallMode = true };
        await using var responder = new TestPdResponder(new SerialPortTransport(pty.PeripheralPath, 115200), pd);
        var options = PtyOptions(pty.ControlPanelPath, BusHarness.Reader(3, secure: true)) with
        {
            KeyStorePath = Path.Combine(keys.Path, "keys.json"),
        };
        await using var harness = new BusHarness(options, new SerialPortTransport(options.PortName, options.BaudRate));

        await harness.OnlineAsync(3);
        pd.Present(new KeypadReply(0, "1357#"u8.ToArray()));

        Assert.Equal("1357", (await harness.NextAsync<KeypadEntered>()).Digits);
        Assert.True(harness.Bus.GetStatus().Readers.Single().SecureChannelActive);
        Assert.NotNull(pd.Scbk);
    }

    [Fact]
    public async Task Unplugged_adapter_takes_readers_offline_and_plugging_it_back_brings_them_online()
    {
        await using var pty = await SocatPtyPair.StartAsync();
        var pd = new TestPd(1);
        var options = PtyOptions(pty.ControlPanelPath, BusHarness.Reader(1));
        await using var harness = new BusHarness(options, new SerialPortTransport(options.PortName, options.BaudRate));
        await using (new TestPdResponder(new SerialPortTransport(pty.PeripheralPath, 115200), pd))
        {
            await harness.OnlineAsync(1);
            await pty.StopAsync();
            await harness.OfflineAsync(1);
        }

        Assert.True(await BusHarness.EventuallyAsync(() => harness.Bus.GetStatus() is { PortOpen: false, PortError: not null }));
        await pty.StartAgainAsync();
        await using var responder = new TestPdResponder(new SerialPortTransport(pty.PeripheralPath, 115200), pd);
        await harness.OnlineAsync(1);

        var status = harness.Bus.GetStatus();
        Assert.True(status.PortOpen);
        Assert.True(status.Counters.PortErrors >= 1);
    }

    private sealed class TemporaryDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("osdp-it-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
