using Coworking.Edge.Cache;
using Coworking.Edge.Doors;
using Coworking.Edge.Osdp.Cards;
using Coworking.Edge.Osdp.ControlPanel;
using Coworking.Edge.Readers;
using Coworking.Edge.Tests.Osdp.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coworking.Edge.Tests.Readers;

public sealed class OsdpReaderTests
{
    private readonly OsdpReader _reader;
    private readonly List<DoorSignalKind> _signals = [];

    public OsdpReaderTests()
    {
        var reader = new OsdpReaderOptions { Address = 3, DoorId = "front" };
        var bus = new OsdpBus(new OsdpBusOptions { PortName = "/dev/ttyUSB0", Readers = [reader] }, InMemoryLink.CreatePair().ControlPanel,
            TimeProvider.System, NullLogger<OsdpBus>.Instance);
        _reader = new OsdpReader(bus, "/dev/ttyUSB0", reader, NullLogger.Instance);
        _reader.SignalReceived += (_, signal) => _signals.Add(signal.Kind);
    }

    [Fact]
    public void Reader_is_named_by_its_port_and_address_as_on_the_wiring_plan() =>
        Assert.Equal("ttyUSB0:3", _reader.ReaderId);

    [Fact]
    public void H10301_card_is_looked_up_by_facility_and_card_number_and_any_other_card_by_its_whole_number()
    {
        Assert.Equal(new CardKey(42, 10001), OsdpReaders.ToCardKey(new CardRead(CardFormat.H10301, 26, (42UL << 16) | 10001, 42, 10001)));
        Assert.Equal(new CardKey(0, 9876543210), OsdpReaders.ToCardKey(new CardRead(CardFormat.RawBits, 40, 9876543210)));
        Assert.Equal(new CardKey(0, 1234567), OsdpReaders.ToCardKey(new CardRead(CardFormat.Formatted, 0, 1234567)));
    }

    [Fact]
    public void Contact_first_reported_closed_is_the_normal_state_and_every_change_after_it_is_a_signal()
    {
        _reader.OnInput(OsdpReader.ContactInput, active: false);
        _reader.OnInput(OsdpReader.ContactInput, active: true);
        _reader.OnInput(OsdpReader.ContactInput, active: true);
        _reader.OnInput(OsdpReader.ContactInput, active: false);

        Assert.Equal([DoorSignalKind.ContactOpened, DoorSignalKind.ContactClosed], _signals);
        Assert.False(_reader.ContactOpen);
    }

    [Fact]
    public void Door_found_open_when_its_reader_first_reports_counts_as_an_opening()
    {
        _reader.OnInput(OsdpReader.ContactInput, active: true);

        Assert.Equal([DoorSignalKind.ContactOpened], _signals);
        Assert.True(_reader.ContactOpen);
    }

    [Fact]
    public void Exit_button_is_one_request_per_press_however_long_it_is_held()
    {
        _reader.OnInput(OsdpReader.RexInput, active: true);
        _reader.OnInput(OsdpReader.RexInput, active: true);
        _reader.OnInput(OsdpReader.RexInput, active: false);
        _reader.OnInput(OsdpReader.RexInput, active: true);

        Assert.Equal([DoorSignalKind.RequestToExit, DoorSignalKind.RequestToExit], _signals);
        Assert.Null(_reader.ContactOpen);
    }
}
