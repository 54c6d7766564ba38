using Coworking.Edge.Osdp.ControlPanel;
using Microsoft.Extensions.Configuration;

namespace Coworking.Edge.Tests.Osdp;

public sealed class OptionsBindingTests
{
    [Fact]
    public void Bus_options_bind_from_configuration_as_an_installer_writes_them()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Osdp:Buses:0:PortName"] = "/dev/ttyUSB0",
            ["Osdp:Buses:0:BaudRate"] = "115200",
            ["Osdp:Buses:0:ReplyTimeout"] = "00:00:00.250",
            ["Osdp:Buses:0:Readers:0:Address"] = "1",
            ["Osdp:Buses:0:Readers:0:DoorId"] = "front-door",
            ["Osdp:Buses:0:Readers:0:SecureChannel"] = "true",
            ["Osdp:Buses:0:Readers:0:Scbk"] = "00112233445566778899aabbccddeeff",
            ["Osdp:Buses:0:Readers:1:Address"] = "2",
            ["Osdp:Buses:0:Readers:1:DoorId"] = "back-door",
        }).Build();

        var buses = configuration.GetSection("Osdp:Buses").Get<List<OsdpBusOptions>>()!;

        var bus = Assert.Single(buses);
        bus.Validate();
        Assert.Equal("/dev/ttyUSB0", bus.PortName);
        Assert.Equal(115200, bus.BaudRate);
        Assert.Equal(TimeSpan.FromMilliseconds(250), bus.ReplyTimeout);
        Assert.Equal(3, bus.OfflineAfterMisses);
        Assert.Equal(["front-door", "back-door"], bus.Readers.Select(r => r.DoorId));
        Assert.True(bus.Readers[0].SecureChannel);
        Assert.False(bus.Readers[1].SecureChannel);
    }
}
