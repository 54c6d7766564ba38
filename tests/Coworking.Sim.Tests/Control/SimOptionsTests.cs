using Coworking.Sim.Configuration;

namespace Coworking.Sim.Tests.Control;

public class SimOptionsTests
{
    [Fact]
    public void Valid_configuration_has_no_errors()
    {
        var options = new SimOptions
        {
            Buses =
            [
                new BusOptions
                {
                    Port = "/tmp/sim-bus1",
                    Readers = [new ReaderOptions { Address = 1, DoorId = "a" }, new ReaderOptions { Address = 2, DoorId = "b", SecureChannel = true, Scbk = new string('A', 32) }],
                },
            ],
        };

        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Every_configuration_error_names_its_entry()
    {
        var options = new SimOptions
        {
            BadgeTimeoutMs = 5,
            Buses =
            [
                new BusOptions
                {
                    Port = "/tmp/sim-bus1",
                    BaudRate = 1234,
                    Readers =
                    [
                        new ReaderOptions { Address = 1, DoorId = "a" },
                        new ReaderOptions { Address = 1, DoorId = "A" },
                        new ReaderOptions { Address = 127, DoorId = "c", Scbk = "123" },
                    ],
                },
                new BusOptions { Port = "/tmp/sim-bus1" },
            ],
        };

        var errors = options.Validate();

        Assert.Contains("badgeTimeoutMs must be 100-60000", errors);
        Assert.Contains(errors, e => e.StartsWith("buses[0].baudRate", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("buses[0].readers[1].address 1 is taken", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("buses[0].readers[1].doorId A is used", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("buses[0].readers[2].address must be", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("buses[0].readers[2].scbk must be 32 hex", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("buses[0].readers[2].scbk needs secureChannel", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("buses[1].port /tmp/sim-bus1 is used", StringComparison.Ordinal));
    }

    [Fact]
    public void Sim_refuses_to_start_with_a_bad_config_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sim-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "buses": [ { "port": "", "readers": [ { "address": 200, "doorId": "x" } ] } ] }""");
        try
        {
            var error = Assert.Throws<SimConfigurationException>(() => SimApp.Build(["--config", path]));

            Assert.Contains("buses[0].port is required", error.Message, StringComparison.Ordinal);
            Assert.Contains("buses[0].readers[0].address must be 0-126", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
